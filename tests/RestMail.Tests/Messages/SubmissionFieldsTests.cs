using RestMail.Storage.Messages;

namespace RestMail.Tests.Messages;

public sealed class SubmissionFieldsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 19, 0, 5, TimeSpan.FromHours(1));

    private static string Missing(string message) => SubmissionFields.Missing(System.Text.Encoding.UTF8.GetBytes(message), "mx.example.test", Now).Fields;

    [Theory]
    [InlineData("Date: Mon, 7 Dec 2026 10:00:00 +0100\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n")]
    [InlineData("DATE: x\r\nmessage-id: <a@b>\r\n\r\n")]
    [InlineData("Subject: folded\r\n over two lines\r\nDate : obsolete space before the colon\r\nMessage-Id:\r\n\t<a@b>\r\n")]
    [InlineData("Date: bare LF line ends\nMessage-ID: <a@b>\n\nbody\n")]
    public void A_message_with_both_fields_gets_nothing(string message) => Assert.Equal("", Missing(message));

    [Theory]
    [InlineData("Subject: none\r\n\r\nDate: x\r\nMessage-ID: <a@b>\r\n", true, true)]
    [InlineData("", true, true)]
    [InlineData("\r\nDate: x\r\n", true, true)]
    [InlineData("Subject: x\r\n Date: a continuation line is no field\r\nMessage-ID: <a@b>\r\n\r\n", true, false)]
    [InlineData("Date: x\r\nX-Message-ID: <a@b>\r\n\r\n", false, true)]
    [InlineData("Message-ID: <a@b>\r\nSubject: no empty line before the end", true, false)]
    public void Missing_fields_are_added_and_only_those(string message, bool date, bool messageId)
    {
        var added = Missing(message);
        Assert.Equal(date, added.Contains("Date: Mon, 07 Dec 2026 18:00:05 +0000\r\n", StringComparison.Ordinal));
        Assert.Equal(messageId, System.Text.RegularExpressions.Regex.IsMatch(added, @"^Message-ID: <[0-9a-f]{32}@mx\.example\.test>\r\n", System.Text.RegularExpressions.RegexOptions.Multiline));
        Assert.Equal((date ? 1 : 0) + (messageId ? 1 : 0), added.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void The_made_Message_ID_is_returned_and_unique()
    {
        var (fields, id) = SubmissionFields.Missing([], "mx.example.test", Now);
        Assert.Contains($"Message-ID: <{id}>\r\n", fields, StringComparison.Ordinal);
        Assert.NotEqual(id, SubmissionFields.Missing([], "mx.example.test", Now).MessageId);
        Assert.Null(SubmissionFields.Missing("Message-ID: <a@b>\r\n"u8, "mx.example.test", Now).MessageId);
    }
}
