using Registry.Web.Features.Audit;

namespace Registry.Web.Tests.Audit;

public sealed class AuditFilterTests
{
    [Fact]
    public void Blank_fields_mean_any_and_times_from_a_datetime_local_input_are_UTC()
    {
        var errors = new List<string>();

        var filter = AuditFilter.Parse(" ", "churn", "", "2026-11-21T14:30", null, errors);

        Assert.Empty(errors);
        Assert.Null(filter.Actor);
        Assert.Equal("churn", filter.Model);
        Assert.Null(filter.Type);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 14, 30, 0, TimeSpan.Zero), filter.From);
    }

    [Fact]
    public void An_unreadable_time_is_reported_not_ignored()
    {
        var errors = new List<string>();

        AuditFilter.Parse(null, null, null, "yesterday-ish", null, errors);

        Assert.Single(errors);
        Assert.Contains("From", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_query_string_round_trips_and_escapes_what_it_carries()
    {
        var filter = new AuditFilter("bob & co", null, "VersionApproved", null, new DateTimeOffset(2026, 1, 2, 3, 4, 0, TimeSpan.Zero));

        Assert.Equal("?actor=bob%20%26%20co&type=VersionApproved&to=2026-01-02T03%3A04&before=9", filter.QueryString(KeyValuePair.Create("before", "9")));
    }
}
