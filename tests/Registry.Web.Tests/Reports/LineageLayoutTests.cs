using Registry.Web.Features.Reports;

namespace Registry.Web.Tests.Reports;

public sealed class LineageLayoutTests
{
    [Fact]
    public void Every_edge_of_the_lineage_ends_in_its_own_arrowhead_drawn_without_markers()
    {
        var parts = LineageLayout.Parts(SampleReports.Dossier(versions: 30).Lineage);

        var paths = parts.SelectMany(p => p.Paths).ToList();
        Assert.Contains(paths, p => p.Kind == "parent");
        Assert.Contains(paths, p => p.Kind == "trained-on");
        foreach (var path in paths)
        {
            // The curve's last point is where the arrowhead's tip must be.
            var end = path.D.Split(' ')[^1];
            Assert.Matches(@"^M[-\d.]+,[-\d.]+ L[-\d.]+,[-\d.]+ L[-\d.]+,[-\d.]+ Z$", path.Arrow);
            Assert.Equal(end, path.Arrow.Split(' ')[1][1..]);
        }
    }
}
