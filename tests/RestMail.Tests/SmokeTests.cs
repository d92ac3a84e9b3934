namespace RestMail.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Flags_are_distinct_bits() =>
        Assert.Equal(31, (int)(Grains.Mailboxes.MessageFlags.Seen | Grains.Mailboxes.MessageFlags.Answered
            | Grains.Mailboxes.MessageFlags.Flagged | Grains.Mailboxes.MessageFlags.Deleted | Grains.Mailboxes.MessageFlags.Draft));
}
