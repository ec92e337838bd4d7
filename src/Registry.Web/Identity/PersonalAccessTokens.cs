// Personal access tokens: 32 random bytes, shown once as `rgt_` + base64url, stored only as SHA-256.
// A fast hash is right here (unlike passwords): the input has 256 bits of entropy, so nothing is
// gained by slowing down the lookup that runs on every API request.
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Registry.Web.Identity;

public static class PersonalAccessTokens
{
    public const string Prefix = "rgt_";

    public static string Generate() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static string HashHex(string token) => Convert.ToHexStringLower(Hash(token));
}
