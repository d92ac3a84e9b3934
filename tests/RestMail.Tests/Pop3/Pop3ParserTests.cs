using System.Buffers;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RestMail.Gateways.Pop3;
using RestMail.Grains.Mailboxes;

namespace RestMail.Tests.Pop3;

/// <summary>The POP3 pieces that need no server: command parsing, byte-stuffing, PLAIN, the maildrop and its lock.</summary>
public sealed class Pop3ParserTests
{
    private static Pop3Command Parse(string line) => Pop3Command.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line)));

    [Theory]
    [InlineData("STAT", Pop3Verb.Stat, "")]
    [InlineData("stat", Pop3Verb.Stat, "")]
    [InlineData("ReTr 12", Pop3Verb.Retr, "12")]
    [InlineData("TOP 1 10", Pop3Verb.Top, "1 10")]
    [InlineData("PASS a pass with  spaces ", Pop3Verb.Pass, "a pass with  spaces ")]
    [InlineData("STATS", Pop3Verb.Unknown, "")]
    [InlineData("", Pop3Verb.Unknown, "")]
    [InlineData(" STAT", Pop3Verb.Unknown, "STAT")]
    public void Commands_split_into_a_case_insensitive_keyword_and_the_rest(string line, Pop3Verb verb, string argument)
    {
        var command = Parse(line);
        Assert.Equal(verb, command.Verb);
        Assert.Equal(argument, command.Argument);
    }

    [Fact]
    public void A_command_split_across_segments_parses_the_same()
    {
        var first = new Segment("RE"u8.ToArray());
        var last = first.Append("TR 3"u8.ToArray());
        var command = Pop3Command.Parse(new ReadOnlySequence<byte>(first, 0, last, 4));
        Assert.Equal(new Pop3Command(Pop3Verb.Retr, "3"), command);
    }

    private static string Written(Action<ArrayBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.ASCII.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void RETR_byte_stuffs_dots_turns_bare_LF_into_CRLF_and_terminates()
    {
        var raw = "A: 1\r\n\r\n.dot\r\nbare\nlast"u8.ToArray();
        Assert.Equal("A: 1\r\n\r\n..dot\r\nbare\r\nlast\r\n.\r\n", Written(w => Pop3MessageWriter.WriteMessage(w, raw)));
        Assert.Equal(".\r\n", Written(w => Pop3MessageWriter.WriteMessage(w, [])));
    }

    [Fact]
    public void TOP_sends_the_header_the_blank_line_and_n_body_lines()
    {
        var raw = "A: 1\r\nB: 2\r\n\r\none\r\n.two\r\nthree\r\n"u8.ToArray();
        Assert.Equal("A: 1\r\nB: 2\r\n\r\n.\r\n", Written(w => Pop3MessageWriter.WriteTop(w, raw, 0)));
        Assert.Equal("A: 1\r\nB: 2\r\n\r\none\r\n..two\r\n.\r\n", Written(w => Pop3MessageWriter.WriteTop(w, raw, 2)));
        Assert.Equal("A: 1\r\nB: 2\r\n\r\none\r\n..two\r\nthree\r\n.\r\n", Written(w => Pop3MessageWriter.WriteTop(w, raw, 99)));
        // A message without a body: the header is all there is.
        Assert.Equal("A: 1\r\n.\r\n", Written(w => Pop3MessageWriter.WriteTop(w, "A: 1\r\n"u8.ToArray(), 5)));
    }

    [Fact]
    public void SASL_PLAIN_decodes_and_refuses_acting_as_someone_else()
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        Assert.True(SaslPlain.TryDecode(B64("\0alice@x.test\0pass word"), out var plain));
        Assert.Equal(("alice@x.test", "pass word"), plain);
        Assert.True(SaslPlain.TryDecode(B64("ALICE@x.test\0alice@x.test\0pw"), out plain));
        Assert.Equal(("alice@x.test", "pw"), plain);
        Assert.True(SaslPlain.TryDecode(B64("bob@x.test\0alice@x.test\0pw"), out plain));
        Assert.Null(plain);
        Assert.True(SaslPlain.TryDecode("=", out plain));
        Assert.Null(plain);
        Assert.False(SaslPlain.TryDecode("not base64!", out _));
        Assert.False(SaslPlain.TryDecode(Convert.ToBase64String([0xff, 0xfe, 0x00]), out _));
    }

    [Fact]
    public void The_maildrop_numbers_from_one_hides_marked_messages_and_RSET_restores_them()
    {
        var maildrop = new Pop3Maildrop(7, 1234, [new MaildropMessage(10, 3, 100), new MaildropMessage(11, 5, 200)]);
        Assert.Equal((2, 300L), (maildrop.Count, maildrop.Size));
        Assert.Equal(MessageLookup.NoSuchMessage, maildrop.Find(0, out _));
        Assert.Equal(MessageLookup.NoSuchMessage, maildrop.Find(3, out _));
        Assert.Equal(MessageLookup.Found, maildrop.Find(2, out var second));
        Assert.Equal("1234.5", maildrop.UniqueId(second));
        maildrop.MarkDeleted(1);
        maildrop.MarkDeleted(1);
        Assert.Equal((1, 200L), (maildrop.Count, maildrop.Size));
        Assert.Equal(MessageLookup.Deleted, maildrop.Find(1, out _));
        Assert.Equal([2], maildrop.Present().Select(p => p.Number));
        Assert.Equal([10L], maildrop.DeletedIds());
        maildrop.Reset();
        Assert.Equal((2, 300L), (maildrop.Count, maildrop.Size));
        Assert.Empty(maildrop.DeletedIds());
    }

    [Fact]
    public async Task The_maildrop_lock_is_a_lease_that_runs_out_unless_renewed()
    {
        var time = new FakeTimeProvider();
        var maildropLock = new MaildropLockGrain(time);
        Guid first = Guid.NewGuid(), second = Guid.NewGuid();
        var lease = TimeSpan.FromMinutes(2);
        Assert.True(await maildropLock.TryAcquireAsync(first, lease));
        Assert.False(await maildropLock.TryAcquireAsync(second, lease));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await maildropLock.TryAcquireAsync(first, lease));
        time.Advance(TimeSpan.FromMinutes(1.5));
        Assert.False(await maildropLock.TryAcquireAsync(second, lease));
        time.Advance(TimeSpan.FromMinutes(1));
        // The first holder stopped renewing (its gateway died): the lease ran out.
        Assert.True(await maildropLock.TryAcquireAsync(second, lease));
        Assert.False(await maildropLock.TryAcquireAsync(first, lease));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] memory) => Memory = memory;

        public Segment Append(byte[] memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
