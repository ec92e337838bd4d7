// The signed checkpoint (CONTRACT section 3): three lines, each ending in '\n': origin, tree size in
// decimal, root hash in standard padded base64. Parsed strictly: the signature covers these exact bytes.
using System.Globalization;
using System.Text;

namespace Registry.Cli.Evidence;

public sealed record Checkpoint(string Origin, long TreeSize, byte[] RootHash)
{
    public string RootHashHex => Convert.ToHexStringLower(RootHash);

    public static Checkpoint? TryParse(byte[] text, out string? problem)
    {
        problem = null;
        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(text);
        }
        catch (DecoderFallbackException)
        {
            problem = "checkpoint.txt is not UTF-8";
            return null;
        }

        var lines = decoded.Split('\n');
        if (lines.Length != 4 || lines[3].Length != 0)
        {
            problem = "checkpoint.txt must be exactly three lines, each ending in a line feed";
            return null;
        }

        if (lines[0].Length == 0 || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || lines[1] != size.ToString(CultureInfo.InvariantCulture))
        {
            problem = $"checkpoint.txt: '{lines[1]}' is not a tree size";
            return null;
        }

        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            problem = $"checkpoint.txt: '{lines[2]}' is not a base64 root hash";
            return null;
        }

        if (root.Length != 32 || Convert.ToBase64String(root) != lines[2])
        {
            problem = $"checkpoint.txt: '{lines[2]}' is not a 32-byte root hash in standard padded base64";
            return null;
        }

        return new Checkpoint(lines[0], size, root);
    }
}
