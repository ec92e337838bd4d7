using System.Text.Json;
using Registry.Core.Identity;

namespace Registry.Core.Tests;

public sealed class UserEventJsonTests
{
    [Fact]
    public void Every_account_event_survives_the_round_trip_through_the_log_json()
    {
        var at = new DateTimeOffset(2026, 11, 21, 13, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234560);
        IUserEvent[] events =
        [
            new UserCreated("bob", "Bob", "bob@example.com", [Roles.Approver], AccountSources.Local, "admin"),
            new RolesGranted([Roles.Auditor], "admin"), new RolesRevoked([Roles.Auditor], "admin"), new PasswordChanged("bob"),
            new TokenIssued("t1", "ci", new string('a', 64), at, "bob"), new TokenRevoked("t1", "admin"), new SignedIn(SignInMethods.Password),
            new SignInFailed(SignInFailureReasons.WrongPassword, 3), new AccountLockedOut(at, 5), new AccountUnlocked("admin"),
        ];
        Assert.Equal(events.Length, UserEventJson.TypeNames.Count);
        foreach (var e in events)
        {
            var json = UserEventJson.Serialize(e).ToJsonString();
            var back = UserEventJson.Deserialize(UserEventJson.TypeName(e), JsonDocument.Parse(json).RootElement)!;
            Assert.Equal(json, UserEventJson.Serialize(back).ToJsonString());
        }
    }

    [Fact]
    public void Times_are_written_in_utc_with_six_fractional_digits()
    {
        var json = UserEventJson.Serialize(new AccountLockedOut(new DateTimeOffset(2026, 11, 21, 14, 0, 0, TimeSpan.FromHours(1)), 5)).ToJsonString();
        Assert.Equal("""{"until":"2026-11-21T13:00:00.000000Z","failures":5}""", json);
    }

    [Fact]
    public void An_unknown_event_type_is_skipped_not_an_error() =>
        Assert.Null(UserEventJson.Deserialize("SomethingNewer", JsonDocument.Parse("{}").RootElement));
}
