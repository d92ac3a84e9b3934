using System.Buffers;
using System.Text;
using RestMail.Gateways.Smtp;

namespace RestMail.Tests.Smtp;

/// <summary>The line, command, path and DATA parsers fed whole, byte by byte and in random splits.</summary>
public sealed class SmtpParserTests
{
    /// <summary>Feeds the input in pieces of the given sizes, as a pipe would: unconsumed bytes stay at the front.</summary>
    private static List<string> ReadLines(byte[] input, IEnumerable<int> pieces, int maxLength = SmtpSession.MaxCommandLine)
    {
        var reader = new SmtpLineReader();
        var results = new List<string>();
        var pending = new List<byte>();
        var offset = 0;
        foreach (var size in pieces.Append(int.MaxValue))
        {
            var take = Math.Min(size, input.Length - offset);
            pending.AddRange(input.AsSpan(offset, take).ToArray());
            offset += take;
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            while (true)
            {
                var status = reader.TryRead(ref buffer, maxLength, out var line);
                if (status == LineStatus.NeedMore)
                    break;
                results.Add(status == LineStatus.TooLong ? "<too long>" : Encoding.UTF8.GetString(line));
            }
            pending = [.. buffer.ToArray()];
            if (offset == input.Length)
                break;
        }
        return results;
    }

    private static IEnumerable<int> Ones(int count) => Enumerable.Repeat(1, count);

    private static IEnumerable<int> RandomPieces(int seed, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(1, 40));
    }

    [Fact]
    public void Lines_come_out_the_same_whole_byte_by_byte_and_in_random_splits()
    {
        var input = Encoding.ASCII.GetBytes("EHLO client.test\r\nMAIL FROM:<a@b.test> SIZE=10\r\nNOOP\nRCPT TO:<c@d.test>\r\n\r\nQUIT\r\nPARTIAL");
        string[] expected = ["EHLO client.test", "MAIL FROM:<a@b.test> SIZE=10", "NOOP", "RCPT TO:<c@d.test>", "", "QUIT"];
        Assert.Equal(expected, ReadLines(input, []));
        Assert.Equal(expected, ReadLines(input, Ones(input.Length)));
        for (var seed = 0; seed < 50; seed++)
            Assert.Equal(expected, ReadLines(input, RandomPieces(seed, input.Length)));
    }

    [Fact]
    public void An_overlong_line_is_reported_once_in_any_split_and_the_next_line_is_intact()
    {
        var input = Encoding.ASCII.GetBytes($"NOOP {new string('x', 2000)}\r\nNOOP\r\n{new string('y', 510)}\r\n{new string('z', 511)}\r\n");
        string[] expected = ["<too long>", "NOOP", new string('y', 510), "<too long>"];
        Assert.Equal(expected, ReadLines(input, []));
        Assert.Equal(expected, ReadLines(input, Ones(input.Length)));
        for (var seed = 0; seed < 20; seed++)
            Assert.Equal(expected, ReadLines(input, RandomPieces(seed, input.Length)));
    }

    [Theory]
    [InlineData("EHLO x", SmtpVerb.Ehlo, "x")]
    [InlineData("ehlo  x ", SmtpVerb.Ehlo, "x")]
    [InlineData("MaIl FROM:<a@b>", SmtpVerb.Mail, "FROM:<a@b>")]
    [InlineData("STARTTLS", SmtpVerb.StartTls, "")]
    [InlineData("BDAT 10 LAST", SmtpVerb.Bdat, "10 LAST")]
    [InlineData("MAILX FROM:<a@b>", SmtpVerb.Unknown, "FROM:<a@b>")]
    [InlineData("", SmtpVerb.Unknown, "")]
    public void Commands_parse_case_insensitively(string line, SmtpVerb verb, string argument)
    {
        var command = SmtpCommand.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line)));
        Assert.Equal(verb, command.Verb);
        Assert.Equal(argument, command.Argument);
    }

    [Theory]
    [InlineData("FROM:<a@b.test>", "a@b.test", "")]
    [InlineData("from: <a@b.test> SIZE=10 body=8BITMIME", "a@b.test", "SIZE=10,BODY=8BITMIME")]
    [InlineData("FROM:<>", "", "")]
    [InlineData("FROM:<@relay.test,@other.test:a@b.test>", "a@b.test", "")]
    [InlineData("FROM:<\"odd > local\"@b.test> SMTPUTF8", "\"odd > local\"@b.test", "SMTPUTF8=")]
    public void Paths_and_parameters_parse(string argument, string address, string parameters)
    {
        Assert.True(SmtpPath.TryParse(argument, "FROM:", out var path));
        Assert.Equal(address, path.Address);
        Assert.Equal(parameters, string.Join(',', path.Parameters.Select(p => $"{p.Key}={p.Value}")));
    }

    [Theory]
    [InlineData("FROM:a@b.test")]
    [InlineData("FROM:<a@b.test")]
    [InlineData("TO:<a@b.test>")]
    [InlineData("FROM:<a@b.test>SIZE=1")]
    [InlineData("FROM:<a@b.test> =1")]
    public void Malformed_paths_are_refused(string argument) => Assert.False(SmtpPath.TryParse(argument, "FROM:", out _));

    private static (string Content, bool Done, bool Bare, int Consumed) ReadData(byte[] input, IEnumerable<int> pieces, long maxSize = 1_000_000)
    {
        var reader = new SmtpDataReader();
        var output = new ArrayBufferWriter<byte>();
        reader.Start(output, maxSize);
        var offset = 0;
        foreach (var size in pieces.Append(int.MaxValue))
        {
            var take = Math.Min(size, input.Length - offset);
            var buffer = new ReadOnlySequence<byte>(input, offset, take);
            var done = reader.Process(ref buffer);
            offset += take - (int)buffer.Length;
            if (done)
                return (Encoding.UTF8.GetString(output.WrittenSpan), true, reader.SawBareLineEnding, offset);
            if (offset == input.Length)
                break;
        }
        return (Encoding.UTF8.GetString(output.WrittenSpan), false, reader.SawBareLineEnding, offset);
    }

    [Fact]
    public void DATA_ends_only_at_CRLF_dot_CRLF_and_is_unstuffed_in_any_split()
    {
        const string wire = "Subject: x\r\n\r\n..leading dot\r\n.\r\nAFTER";
        var input = Encoding.ASCII.GetBytes(wire);
        var expected = ("Subject: x\r\n\r\n.leading dot\r\n", true, false, wire.Length - "AFTER".Length);
        Assert.Equal(expected, ReadData(input, []));
        Assert.Equal(expected, ReadData(input, Ones(input.Length)));
        for (var seed = 0; seed < 50; seed++)
            Assert.Equal(expected, ReadData(input, RandomPieces(seed, input.Length)));
    }

    [Fact]
    public void An_empty_message_ends_at_the_first_dot_line()
    {
        Assert.Equal(("", true, false, 3), ReadData(".\r\n"u8.ToArray(), []));
    }

    [Theory]
    [InlineData("a\n.\nb\r\n.\r\n", "a\n.\nb\r\n")]
    [InlineData("a\n.\r\nb\r\n.\r\n", "a\n.\r\nb\r\n")]
    [InlineData("a\r.\rb\r\n.\r\n", "a\r.\rb\r\n")]
    [InlineData("a\r\n.\nb\r\n.\r\n", "a\r\n\nb\r\n")]
    [InlineData("a\r\n.\rb\r\n.\r\n", "a\r\n\rb\r\n")]
    public void Bare_LF_and_CR_never_terminate_and_are_flagged(string wire, string content)
    {
        var input = Encoding.ASCII.GetBytes(wire);
        for (var seed = 0; seed < 20; seed++)
        {
            var (text, done, bare, consumed) = ReadData(input, seed == 0 ? Ones(input.Length) : RandomPieces(seed, input.Length));
            Assert.True(done);
            Assert.True(bare);
            Assert.Equal(content, text);
            Assert.Equal(input.Length, consumed);
        }
    }

    [Fact]
    public void Content_over_the_limit_is_counted_but_not_kept()
    {
        var reader = new SmtpDataReader();
        var output = new ArrayBufferWriter<byte>();
        reader.Start(output, 10);
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('x', 100) + "\r\n.\r\n"));
        Assert.True(reader.Process(ref buffer));
        Assert.True(reader.TooBig);
        Assert.Equal(102, reader.Size);
        Assert.Equal(10, output.WrittenCount);
    }
}
