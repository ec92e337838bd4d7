using System.Text.RegularExpressions;
using Registry.Web.Identity;

namespace Registry.Web.Tests.Identity;

public sealed partial class IdentityDocsTests
{
    [Fact]
    public void The_permission_table_in_docs_identity_md_says_what_Permissions_cs_does()
    {
        var doc = File.ReadAllText(Path.Combine(Registry.Web.Hosting.RepositoryRoot.Find(), "docs", "identity.md"));
        var section = doc[doc.IndexOf("## Permissions", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        var rows = PolicyRow().Matches(section).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());

        foreach (var (policy, roles) in Permissions.RolesByPolicy)
        {
            Assert.True(rows.TryGetValue(policy, out var cell), $"docs/identity.md has no row for `{policy}`");
            switch (policy)
            {
                case Permissions.SignedIn:
                    Assert.Contains("any signed-in user", cell, StringComparison.Ordinal);
                    break;
                case Permissions.ManageTokens:
                    Assert.StartsWith(string.Join(", ", roles) + ", or", cell, StringComparison.Ordinal);
                    Assert.Contains("their own tokens", cell, StringComparison.Ordinal);
                    break;
                default:
                    Assert.Equal(roles.Order(), cell.Split(',', StringSplitOptions.TrimEntries).Order());
                    break;
            }
        }

        Assert.Equal(Permissions.RolesByPolicy.Keys.Order(), rows.Keys.Order());
    }

    [GeneratedRegex(@"^\| `(\w+)` \| ([^|]+) \|$", RegexOptions.Multiline)]
    private static partial Regex PolicyRow();
}
