using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RestMail.Gateways.Smtp;

namespace RestMail.Tests.Smtp;

public sealed class SmtpAuthThrottleTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.7");
    private static readonly IPAddress Other = IPAddress.Parse("192.0.2.8");

    private static (SmtpAuthThrottle Throttle, FakeTimeProvider Time) Create()
    {
        var time = new FakeTimeProvider();
        var options = Options.Create(new SmtpOptions { MaxAuthFailures = 3, AuthBanDuration = TimeSpan.FromMinutes(10) });
        return (new SmtpAuthThrottle(options, time), time);
    }

    [Fact]
    public void The_third_failure_bans_the_address_for_the_ban_duration_only()
    {
        var (throttle, time) = Create();
        Assert.False(throttle.RecordFailure(Client));
        Assert.False(throttle.RecordFailure(Client));
        Assert.True(throttle.RecordFailure(Client));
        Assert.True(throttle.IsBanned(Client));
        Assert.False(throttle.IsBanned(Other));

        time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.True(throttle.IsBanned(Client));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(throttle.IsBanned(Client));
        Assert.False(throttle.RecordFailure(Client));
    }

    [Fact]
    public void Failures_spread_beyond_the_window_and_a_success_start_counting_again()
    {
        var (throttle, time) = Create();
        throttle.RecordFailure(Client);
        throttle.RecordFailure(Client);
        time.Advance(TimeSpan.FromMinutes(11));
        Assert.False(throttle.RecordFailure(Client));
        throttle.RecordFailure(Client);
        throttle.RecordSuccess(Client);
        Assert.False(throttle.RecordFailure(Client));
        Assert.False(throttle.IsBanned(Client));
    }
}
