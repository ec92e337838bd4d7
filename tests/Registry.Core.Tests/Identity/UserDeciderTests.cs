// Given events, when a command, then events (or a rejection): the account rules without a database.
using Registry.Core.Identity;

namespace Registry.Core.Tests;

public sealed class UserDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly LockoutPolicy Lockout = new(5, TimeSpan.FromMinutes(15));

    private static readonly UserCreated Bob = new("bob", "Bob", null, [Roles.DataScientist], AccountSources.Local, "admin");

    private static UserDecision When(IUserCommand command, params IUserEvent[] given) => UserDecider.Decide(command, UserDecider.Fold(given));

    private static void Then(UserDecision decision, params IUserEvent[] expected)
    {
        Assert.Null(decision.Rejection);
        Assert.Equal(expected.Select(Describe), decision.Events.Select(Describe));
    }

    private static void Rejected(UserDecision decision, UserRejectionKind kind)
    {
        Assert.NotNull(decision.Rejection);
        Assert.Equal(kind, decision.Rejection.Kind);
        Assert.Empty(decision.Events);
    }

    // Records with list members compare lists by reference; compare what they say instead.
    private static string Describe(IUserEvent e) => e switch
    {
        UserCreated c => $"UserCreated {c.Username} {c.DisplayName} [{string.Join(",", c.Roles)}] {c.Source} by {c.CreatedBy}",
        RolesGranted g => $"RolesGranted [{string.Join(",", g.Roles)}] by {g.GrantedBy}",
        RolesRevoked r => $"RolesRevoked [{string.Join(",", r.Roles)}] by {r.RevokedBy}",
        _ => e.ToString() ?? "",
    };

    [Fact]
    public void Creating_a_user_records_sorted_distinct_roles_and_who_created_it()
    {
        Then(
            When(new CreateUser("bob", "Bob", null, [Roles.Approver, Roles.DataScientist, Roles.Approver], false, AccountSources.Local, "admin")),
            new UserCreated("bob", "Bob", null, [Roles.Approver, Roles.DataScientist], AccountSources.Local, "admin"));
    }

    [Fact]
    public void Creating_a_user_with_a_password_records_that_a_password_was_set_but_not_the_password()
    {
        var decision = When(new CreateUser("bob", "Bob", null, [], true, AccountSources.Local, "admin"));
        Then(decision, new UserCreated("bob", "Bob", null, [], AccountSources.Local, "admin"), new PasswordChanged("admin"));
    }

    [Fact]
    public void Creating_a_user_that_exists_is_a_conflict() =>
        Rejected(When(new CreateUser("bob", "Bob", null, [], false, AccountSources.Local, "admin"), Bob), UserRejectionKind.Conflict);

    [Theory]
    [InlineData("Bob")]
    [InlineData("-bob")]
    [InlineData("bob smith")]
    [InlineData("")]
    public void A_username_outside_the_contract_pattern_is_invalid(string username) =>
        Rejected(When(new CreateUser(username, "Bob", null, [], false, AccountSources.Local, "admin")), UserRejectionKind.Invalid);

    [Fact]
    public void An_unknown_role_is_invalid() =>
        Rejected(When(new CreateUser("bob", "Bob", null, ["root"], false, AccountSources.Local, "admin")), UserRejectionKind.Invalid);

    [Fact]
    public void Granting_and_revoking_records_only_real_changes_with_who_did_it()
    {
        Then(
            When(new ChangeRoles([Roles.Approver, Roles.DataScientist], [Roles.Auditor], "alice"), Bob),
            new RolesGranted([Roles.Approver], "alice"));
    }

    [Fact]
    public void Revoking_a_held_role_records_it()
    {
        Then(When(new ChangeRoles([], [Roles.DataScientist], "alice"), Bob), new RolesRevoked([Roles.DataScientist], "alice"));
        Assert.Empty(UserDecider.Fold([Bob, new RolesRevoked([Roles.DataScientist], "alice")]).Roles);
    }

    [Fact]
    public void A_role_granted_and_revoked_at_once_is_invalid() =>
        Rejected(When(new ChangeRoles([Roles.Approver], [Roles.Approver], "alice"), Bob), UserRejectionKind.Invalid);

    [Fact]
    public void Commands_on_a_user_that_does_not_exist_are_not_found() =>
        Rejected(When(new ChangeRoles([Roles.Approver], [], "alice")), UserRejectionKind.NotFound);

    [Fact]
    public void Issuing_a_token_records_its_hash_name_and_expiry()
    {
        var expires = Now.AddDays(30);
        Then(When(new IssueToken("t1", " ci ", new string('a', 64), expires, Now, "bob"), Bob), new TokenIssued("t1", "ci", new string('a', 64), expires, "bob"));
    }

    [Fact]
    public void A_token_expiring_in_the_past_is_invalid() =>
        Rejected(When(new IssueToken("t1", "ci", new string('a', 64), Now.AddSeconds(-1), Now, "bob"), Bob), UserRejectionKind.Invalid);

    [Fact]
    public void Two_active_tokens_with_one_name_conflict_but_a_revoked_name_may_be_reused()
    {
        var issued = new TokenIssued("t1", "ci", new string('a', 64), null, "bob");
        Rejected(When(new IssueToken("t2", "ci", new string('b', 64), null, Now, "bob"), Bob, issued), UserRejectionKind.Conflict);
        Then(
            When(new IssueToken("t2", "ci", new string('b', 64), null, Now, "bob"), Bob, issued, new TokenRevoked("t1", "bob")),
            new TokenIssued("t2", "ci", new string('b', 64), null, "bob"));
    }

    [Fact]
    public void Revoking_a_token_twice_records_it_once()
    {
        var issued = new TokenIssued("t1", "ci", new string('a', 64), null, "bob");
        Then(When(new RevokeToken("t1", "admin"), Bob, issued), new TokenRevoked("t1", "admin"));
        Then(When(new RevokeToken("t1", "admin"), Bob, issued, new TokenRevoked("t1", "admin")));
        Rejected(When(new RevokeToken("nope", "admin"), Bob, issued), UserRejectionKind.NotFound);
    }

    [Fact]
    public void A_right_password_signs_in()
    {
        Then(When(new AttemptSignIn(true, Now, Lockout), Bob, new PasswordChanged("admin")), new SignedIn(SignInMethods.Password));
    }

    [Fact]
    public void An_account_without_a_password_cannot_sign_in_with_one() =>
        Then(When(new AttemptSignIn(true, Now, Lockout), Bob), new SignInFailed(SignInFailureReasons.NoPassword, 0));

    [Fact]
    public void The_fifth_wrong_password_in_a_row_locks_the_account()
    {
        IUserEvent[] given = [Bob, new PasswordChanged("admin"), .. Enumerable.Range(1, 4).Select(i => new SignInFailed(SignInFailureReasons.WrongPassword, i))];
        Then(
            When(new AttemptSignIn(false, Now, Lockout), given),
            new SignInFailed(SignInFailureReasons.WrongPassword, 5),
            new AccountLockedOut(Now.AddMinutes(15), 5));
    }

    [Fact]
    public void A_locked_account_refuses_even_the_right_password_until_the_lockout_ends()
    {
        IUserEvent[] given = [Bob, new PasswordChanged("admin"), new AccountLockedOut(Now.AddMinutes(10), 5)];
        Then(When(new AttemptSignIn(true, Now, Lockout), given), new SignInFailed(SignInFailureReasons.LockedOut, 0));
        Then(When(new AttemptSignIn(true, Now.AddMinutes(11), Lockout), given), new SignedIn(SignInMethods.Password));
    }

    [Fact]
    public void A_sign_in_through_the_proxy_is_recorded_but_leaves_a_password_lockout_in_place()
    {
        IUserEvent[] given = [Bob, new PasswordChanged("admin"), new AccountLockedOut(Now.AddMinutes(10), 5)];
        Then(When(new SignInThroughProxy(), given), new SignedIn(SignInMethods.SingleSignOn));

        var state = UserDecider.Fold([.. given, new SignedIn(SignInMethods.SingleSignOn)]);
        Then(UserDecider.Decide(new AttemptSignIn(true, Now, Lockout), state), new SignInFailed(SignInFailureReasons.LockedOut, 0));
        Rejected(When(new SignInThroughProxy()), UserRejectionKind.NotFound);
    }

    [Fact]
    public void A_successful_sign_in_resets_the_count_of_failures()
    {
        var state = UserDecider.Fold([Bob, new PasswordChanged("admin"), new SignInFailed(SignInFailureReasons.WrongPassword, 1), new SignInFailed(SignInFailureReasons.WrongPassword, 2), new SignedIn(SignInMethods.Password)]);
        Assert.Equal(0, state.ConsecutiveFailures);
        Then(UserDecider.Decide(new AttemptSignIn(false, Now, Lockout), state), new SignInFailed(SignInFailureReasons.WrongPassword, 1));
    }

    [Fact]
    public void An_administrator_can_unlock_a_locked_account_and_unlocking_an_unlocked_one_records_nothing()
    {
        Then(When(new UnlockAccount("admin"), Bob, new AccountLockedOut(Now.AddMinutes(10), 5)), new AccountUnlocked("admin"));
        Then(When(new UnlockAccount("admin"), Bob));
    }

    [Theory]
    [InlineData("short", false)]
    [InlineData("correct horse battery", true)]
    [InlineData("bob-is-my-password", false)]
    public void Passwords_are_long_and_do_not_contain_the_username(string password, bool acceptable) =>
        Assert.Equal(acceptable, PasswordRules.Problem(password, "bob") is null);
}
