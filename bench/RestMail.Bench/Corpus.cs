using System.Text;

namespace RestMail.Bench;

/// <summary>Generated messages: unique bodies from a fixed vocabulary, so dedupe does not flatter the numbers.</summary>
internal sealed class Corpus(int seed)
{
    public static readonly string[] Words = BuildVocabulary();
    private readonly Random _random = new(seed);

    public string Word() => Words[_random.Next(Words.Length)];

    public byte[] Message(int index, int approximateSize)
    {
        var body = new StringBuilder(approximateSize + 100);
        while (body.Length < approximateSize)
        {
            for (var i = 0; i < 12; i++)
                body.Append(Word()).Append(' ');
            body.Append("\r\n");
        }
        var header =
            $"From: Sender {index % 500} <sender{index % 500}@remote.test>\r\n" +
            $"To: user@bench.test\r\nSubject: {Word()} {Word()} {Word()} {index}\r\n" +
            $"Message-ID: <{index}.{_random.Next()}@remote.test>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
        return Encoding.UTF8.GetBytes(header + body);
    }

    private static string[] BuildVocabulary()
    {
        // 4,000 pronounceable pseudo-words: a spread of common and rare terms for search.
        var random = new Random(7);
        const string consonants = "bcdfghklmnprstvz";
        const string vowels = "aeiou";
        var words = new HashSet<string>();
        while (words.Count < 4000)
        {
            var length = random.Next(2, 5);
            var word = new StringBuilder();
            for (var i = 0; i < length; i++)
                word.Append(consonants[random.Next(consonants.Length)]).Append(vowels[random.Next(vowels.Length)]);
            words.Add(word.ToString());
        }
        return [.. words];
    }
}
