// The contract's input rules (names, hashes, lengths, text) in one place, returning the first
// problem as a Rejection that names the field by its JSON path.
using System.Text.RegularExpressions;

namespace Registry.Core;

public static partial class Validation
{
    public const int MaxShortText = 200;
    public const int MaxText = 10_000;
    public const int MaxNotes = 100_000;
    public const int MaxUri = 2048;
    public const int MaxItems = 1000;
    public const int MaxDependencies = 10_000;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Pattern();

    public static bool IsName(string? value) => value is not null && NamePattern().IsMatch(value);

    public static bool IsSha256(string? value) => value is not null && Sha256Pattern().IsMatch(value);

    public static Rejection? Name(string field, string? value) =>
        value is null ? Rejection.Invalid(field, $"{field} is required")
        : IsName(value) ? null
        : Rejection.Invalid(field, $"{field} must match ^[a-z0-9][a-z0-9._-]{{0,99}}$ (lowercase letters, digits, '.', '_', '-'; at most 100 characters)");

    public static Rejection? Sha256(string field, string? value) =>
        value is null ? Rejection.Invalid(field, $"{field} is required")
        : IsSha256(value) ? null
        : Rejection.Invalid(field, $"{field} must be a SHA-256: 64 lowercase hexadecimal characters");

    public static Rejection? OptionalSha256(string field, string? value) => value is null ? null : Sha256(field, value);

    /// <summary>Required text: present, not blank, within length, no control characters except in multi-line text.</summary>
    public static Rejection? Required(string field, string? value, int max = MaxShortText, bool multiline = false) =>
        string.IsNullOrWhiteSpace(value) ? Rejection.Invalid(field, $"{field} is required and must not be blank") : Text(field, value, max, multiline);

    /// <summary>Optional text: when present, within length, well-formed UTF-16 and without control characters.</summary>
    public static Rejection? Text(string field, string? value, int max = MaxShortText, bool multiline = false)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length > max)
        {
            return Rejection.Invalid(field, $"{field} is longer than {max} characters");
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return Rejection.Invalid(field, $"{field} contains an unpaired surrogate (not valid Unicode text)");
            }

            if (char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t'))
            {
                return Rejection.Invalid(field, $"{field} contains a control character (U+{(int)c:X4})");
            }
        }

        return null;
    }

    public static Rejection? Uri(string field, string? value, bool required)
    {
        if (value is null)
        {
            return required ? Rejection.Invalid(field, $"{field} is required") : null;
        }

        return Text(field, value, MaxUri)
            ?? (System.Uri.TryCreate(value, UriKind.Absolute, out _) ? null : Rejection.Invalid(field, $"{field} must be an absolute URI (e.g. s3://bucket/key or https://…)"));
    }

    public static Rejection? Tags(string field, IReadOnlyDictionary<string, string>? tags)
    {
        if (tags is null)
        {
            return null;
        }

        if (tags.Count > 100)
        {
            return Rejection.Invalid(field, $"{field} holds more than 100 entries");
        }

        foreach (var (key, value) in tags)
        {
            var problem = Required($"{field}.{key}", key, 100) ?? Text($"{field}.{key}", value, 1000);
            if (problem is not null)
            {
                return problem;
            }

            if (value is null)
            {
                return Rejection.Invalid($"{field}.{key}", $"{field}.{key} must be a string");
            }
        }

        return null;
    }

    /// <summary>The first non-null rejection, in order.</summary>
    public static Rejection? First(params Rejection?[] checks) => checks.FirstOrDefault(c => c is not null);
}
