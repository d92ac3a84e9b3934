using System.IO.Compression;

namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>Set once COMPRESS DEFLATE succeeded: both directions then run through raw DEFLATE.</summary>
    private bool _compressed;

    /// <summary>
    /// RFC 4978 COMPRESS DEFLATE: answered uncompressed, after which both sides switch to raw DEFLATE
    /// (RFC 1951, no zlib header). A second COMPRESS is NO [COMPRESSIONACTIVE].
    /// </summary>
    private Next Compress(string tag, ImapReader reader)
    {
        reader.ExpectSpace();
        var mechanism = reader.ReadKeyword();
        reader.ExpectEnd();
        if (mechanism != "DEFLATE")
            return Bad(tag, "Unknown compression mechanism " + mechanism);
        if (_compressed)
        {
            Tagged(tag, "NO", "[COMPRESSIONACTIVE] DEFLATE is already active");
            return Next.Continue;
        }
        Tagged(tag, "OK", "DEFLATE active");
        return Next.Compress;
    }

    /// <summary>
    /// The streams the pipes read and write: the connection itself, or DEFLATE over it. Each flush of the
    /// writer is a DEFLATE sync flush (RFC 4978 §4: every response must be decodable when it is sent).
    /// </summary>
    private (Stream Input, Stream Output) PipeStreams() => _compressed
        ? (new DeflateStream(_stream, CompressionMode.Decompress, leaveOpen: true), new DeflateStream(_stream, CompressionLevel.Fastest, leaveOpen: true))
        : (_stream, _stream);
}
