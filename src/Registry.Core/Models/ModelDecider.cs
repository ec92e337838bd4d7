// The model stream's decider: Decide(command, state) → events or a rejection; Evolve(state, event)
// → state. Pure: no clock, no I/O, no randomness (the rollback id comes in with the command).
using System.Collections.Immutable;
using System.Text.Json;

namespace Registry.Core.Models;

public abstract record Decision
{
    public sealed record Accepted(IReadOnlyList<ModelEvent> Events) : Decision;

    public sealed record Rejected(Rejection Rejection) : Decision;

    public static implicit operator Decision(Rejection rejection) => new Rejected(rejection);

    public static Decision Of(params ModelEvent[] events) => new Accepted(events);
}

public static class ModelDecider
{
    public static readonly IReadOnlyList<string> DatasetRoles = ["training", "validation", "test", "other"];

    public static Decision Decide(ModelCommand command, ModelState state, ApprovalPolicy policy) => command switch
    {
        CreateModel c => Create(c, state),
        _ when !state.Exists => Rejection.NotFound("the model does not exist"),
        UpdateModel c => Update(c, state),
        RegisterVersion c => Register(c, state),
        SubmitVersion c => Submit(c, state),
        RecordApproval c => Approve(c, state, policy),
        RecordDeployment c => Deploy(c, state),
        RequestRollback c => RequestRollback(c, state),
        DecideRollback c => DecideRollback(c, state),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown command"),
    };

    public static ModelState Evolve(ModelState state, ModelEvent @event) => Evolve(state, @event, default);

    public static ModelState Evolve(ModelState state, ModelEvent @event, DateTimeOffset at) => @event switch
    {
        ModelCreated e => state with
        {
            Name = e.Name,
            Profile = new ModelProfile(e.Description, e.Owner, e.RiskTier, e.IntendedUse, e.Restrictions, e.Tags),
            Revision = 1,
            CreatedBy = e.CreatedBy,
            CreatedAt = at,
            UpdatedAt = at,
        },
        ModelUpdated e => state with
        {
            Profile = new ModelProfile(
                e.Description ?? state.Profile.Description,
                e.Owner ?? state.Profile.Owner,
                e.RiskTier ?? state.Profile.RiskTier,
                e.IntendedUse ?? state.Profile.IntendedUse,
                e.Restrictions ?? state.Profile.Restrictions,
                e.Tags ?? state.Profile.Tags),
            Revision = state.Revision + 1,
            UpdatedAt = at,
        },
        VersionRegistered e => state with
        {
            Versions = state.Versions.SetItem(e.Version, new VersionState(e, VersionStatus.Registered, at, null, null, [], null, null)),
            LatestVersion = Math.Max(state.LatestVersion, e.Version),
        },
        VersionSubmitted e => WithVersion(state, e.Version, v => v with { Status = VersionStatus.PendingApproval, SubmittedBy = e.SubmittedBy, SubmittedAt = at }),
        ApprovalRecorded e => WithVersion(state, e.Version, v => v with { Approvals = v.Approvals.Add(new ApprovalState(e.Approver, e.Capacity, e.Decision, e.Comment, e.Rule, at)) }),
        VersionApproved e => WithVersion(state, e.Version, v => v with { Status = VersionStatus.Approved, DecisionRule = e.Rule, DecidedAt = at }),
        VersionRejected e => WithVersion(state, e.Version, v => v with { Status = VersionStatus.Rejected, DecisionRule = e.Rule, DecidedAt = at }),
        DeploymentRecorded e => state with { Deployments = state.Deployments.Add(new DeploymentState(e.Version, e.Environment, e.Reference, e.RollbackRequestId, e.DeployedBy, at)) },
        RollbackRequested e => state with
        {
            Rollbacks = state.Rollbacks.SetItem(e.Id, new RollbackState(e.Id, e.Environment, e.FromVersion, e.TargetVersion, e.Reason, e.RequestedBy, at, RollbackStatus.Pending, null, null, null, null)),
        },
        RollbackApproved e => WithRollback(state, e.Id, r => r with { Status = RollbackStatus.Approved, DecidedBy = e.ApprovedBy, DecisionComment = e.Comment, DecidedAt = at }),
        RollbackRejected e => WithRollback(state, e.Id, r => r with { Status = RollbackStatus.Rejected, DecidedBy = e.RejectedBy, DecisionComment = e.Comment, DecidedAt = at }),
        RollbackCompleted e => WithRollback(state, e.Id, r => r with { Status = RollbackStatus.Completed, CompletedAt = at }),
        _ => state,
    };

    public static ModelState Fold(IEnumerable<ModelEvent> events) => events.Aggregate(ModelState.Initial, Evolve);

    private static ModelState WithVersion(ModelState state, int version, Func<VersionState, VersionState> change) =>
        state.Versions.TryGetValue(version, out var v) ? state with { Versions = state.Versions.SetItem(version, change(v)) } : state;

    private static ModelState WithRollback(ModelState state, string id, Func<RollbackState, RollbackState> change) =>
        state.Rollbacks.TryGetValue(id, out var r) ? state with { Rollbacks = state.Rollbacks.SetItem(id, change(r)) } : state;

    private static Decision Create(CreateModel c, ModelState state)
    {
        var problem = Validation.First(
            Validation.Name("name", c.Name),
            c.RiskTier is null ? Rejection.Invalid("riskTier", "riskTier is required: low, medium or high") : RiskTier(c.RiskTier),
            Profile(c.Description, c.Owner, c.IntendedUse, c.Restrictions, c.Tags));
        if (problem is not null)
        {
            return problem;
        }

        if (state.Exists)
        {
            return Rejection.Conflict($"a model named '{c.Name}' already exists");
        }

        return Decision.Of(new ModelCreated(c.Name, c.Description, c.Owner, c.RiskTier!, c.IntendedUse, c.Restrictions, c.Tags ?? ImmutableDictionary<string, string>.Empty, c.Actor));
    }

    private static Decision Update(UpdateModel c, ModelState state)
    {
        var problem = Validation.First(
            c.RiskTier is null ? null : RiskTier(c.RiskTier),
            Profile(c.Description, c.Owner, c.IntendedUse, c.Restrictions, c.Tags));
        if (problem is not null)
        {
            return problem;
        }

        if (c is { Description: null, Owner: null, RiskTier: null, IntendedUse: null, Restrictions: null, Tags: null })
        {
            return Rejection.Invalid("body", "nothing to change: give at least one of description, owner, riskTier, intendedUse, restrictions, tags");
        }

        if (c.ExpectedRevision is { } expected && expected != state.Revision)
        {
            return Rejection.Stale($"the model changed since you read it (you have revision {expected}, it is now at {state.Revision}); read it again and retry");
        }

        var p = state.Profile;
        var update = new ModelUpdated(
            Changed(c.Description, p.Description),
            Changed(c.Owner, p.Owner),
            Changed(c.RiskTier, p.RiskTier),
            Changed(c.IntendedUse, p.IntendedUse),
            Changed(c.Restrictions, p.Restrictions),
            c.Tags is not null && !SameTags(c.Tags, p.Tags) ? c.Tags : null,
            c.Actor);
        return update is { Description: null, Owner: null, RiskTier: null, IntendedUse: null, Restrictions: null, Tags: null }
            ? Decision.Of()
            : Decision.Of(update);
    }

    private static Decision Register(RegisterVersion c, ModelState state)
    {
        var problem = ValidateRegistration(c);
        if (problem is not null)
        {
            return problem;
        }

        var number = state.LatestVersion + 1;
        if (c.ParentVersion is { } parent && !state.Versions.ContainsKey(parent))
        {
            return Rejection.Invalid("parentVersion", $"parentVersion {parent} is not a version of {state.Name} (it has versions 1 to {state.LatestVersion})");
        }

        return Decision.Of(new VersionRegistered(
            number,
            c.Artifact!,
            c.Datasets ?? [],
            c.Dependencies ?? [],
            c.Parameters ?? ImmutableDictionary<string, JsonElement>.Empty,
            c.Metrics ?? ImmutableDictionary<string, double>.Empty,
            c.Source,
            c.ParentVersion,
            c.Notes,
            c.Actor));
    }

    private static Decision Submit(SubmitVersion c, ModelState state)
    {
        if (!state.Versions.TryGetValue(c.Version, out var version))
        {
            return Rejection.NotFound($"{state.Name} has no version {c.Version}");
        }

        return version.Status == VersionStatus.Registered
            ? Decision.Of(new VersionSubmitted(c.Version, c.Actor))
            : Rejection.Conflict($"version {c.Version} is {version.Status}; only a registered version can be submitted");
    }

    private static Decision Approve(RecordApproval c, ModelState state, ApprovalPolicy policy)
    {
        var problem = Validation.First(
            c.Decision is "approve" or "reject" ? null : Rejection.Invalid("decision", "decision must be 'approve' or 'reject'"),
            Validation.Required("comment", c.Comment, Validation.MaxText, multiline: true));
        if (problem is not null)
        {
            return problem;
        }

        if (!state.Versions.TryGetValue(c.Version, out var version))
        {
            return Rejection.NotFound($"{state.Name} has no version {c.Version}");
        }

        if (c.Actor == version.RegisteredBy || c.Actor == version.SubmittedBy)
        {
            var what = c.Actor == version.RegisteredBy ? "registered" : "submitted";
            return Rejection.Forbidden($"separation of duties: {c.Actor} {what} version {c.Version} of {state.Name} and so may not approve or reject it");
        }

        var isApprover = c.ActorRoles.Contains(Identity.Roles.Approver);
        var isCompliance = c.ActorRoles.Contains(Identity.Roles.Compliance);
        if (!isApprover && !isCompliance)
        {
            return Rejection.Forbidden("only the approver and compliance roles may approve or reject a version");
        }

        if (version.Status != VersionStatus.PendingApproval)
        {
            return Rejection.Conflict($"version {c.Version} is {version.Status}, not pending-approval");
        }

        if (version.Approvals.Any(a => a.Approver == c.Actor))
        {
            return Rejection.Conflict($"{c.Actor} has already recorded a decision on version {c.Version}");
        }

        var rule = policy.RuleFor(state.Profile.RiskTier);
        var approvers = version.Approvals.Count(a => a.Capacity == Identity.Roles.Approver && a.Decision == "approve");
        var compliance = version.Approvals.Count(a => a.Capacity == Identity.Roles.Compliance && a.Decision == "approve");

        // A person holding both roles signs in the capacity still missing, approver first.
        var capacity = isApprover && approvers < rule.Approvers ? Identity.Roles.Approver
            : isCompliance && compliance < rule.ComplianceSignOffs ? Identity.Roles.Compliance
            : isApprover ? Identity.Roles.Approver
            : Identity.Roles.Compliance;
        var recorded = new ApprovalRecorded(c.Version, c.Actor, capacity, c.Decision!, c.Comment!, rule);
        if (c.Decision == "reject")
        {
            return Decision.Of(recorded, new VersionRejected(c.Version, c.Actor, rule));
        }

        approvers += capacity == Identity.Roles.Approver ? 1 : 0;
        compliance += capacity == Identity.Roles.Compliance ? 1 : 0;
        return approvers >= rule.Approvers && compliance >= rule.ComplianceSignOffs
            ? Decision.Of(recorded, new VersionApproved(c.Version, rule))
            : Decision.Of(recorded);
    }

    private static Decision Deploy(RecordDeployment c, ModelState state)
    {
        var problem = Validation.First(
            c.Version is null ? Rejection.Invalid("version", "version is required") : null,
            Validation.Name("environment", c.Environment),
            Validation.Text("reference", c.Reference, Validation.MaxUri));
        if (problem is not null)
        {
            return problem;
        }

        if (!state.Versions.TryGetValue(c.Version!.Value, out var version))
        {
            return Rejection.Invalid("version", $"version {c.Version} is not a version of {state.Name}");
        }

        if (c.Environment == Environments.Production && version.Status != VersionStatus.Approved)
        {
            return Rejection.Conflict($"only an approved version may go to production; version {c.Version} is {version.Status}");
        }

        var deployment = new DeploymentRecorded(version.Number, c.Environment!, c.Reference, c.RollbackRequestId, c.Actor);
        if (c.RollbackRequestId is null)
        {
            return Decision.Of(deployment);
        }

        if (!state.Rollbacks.TryGetValue(c.RollbackRequestId, out var rollback))
        {
            return Rejection.Invalid("rollbackRequestId", $"{c.RollbackRequestId} is not a rollback request of {state.Name}");
        }

        if (rollback.Status != RollbackStatus.Approved)
        {
            return Rejection.Conflict($"rollback request {rollback.Id} is {rollback.Status}; only an approved request can be carried out");
        }

        if (rollback.Environment != c.Environment || rollback.TargetVersion != c.Version)
        {
            return Rejection.Conflict($"rollback request {rollback.Id} is for version {rollback.TargetVersion} in {rollback.Environment}, not version {c.Version} in {c.Environment}");
        }

        return Decision.Of(deployment, new RollbackCompleted(rollback.Id, version.Number, rollback.Environment, c.Actor));
    }

    private static Decision RequestRollback(RequestRollback c, ModelState state)
    {
        var problem = Validation.First(
            Validation.Name("environment", c.Environment),
            Validation.Required("reason", c.Reason, Validation.MaxText, multiline: true),
            c.TargetVersion is { } t && !state.Versions.ContainsKey(t) ? Rejection.Invalid("targetVersion", $"targetVersion {t} is not a version of {state.Name}") : null);
        if (problem is not null)
        {
            return problem;
        }

        var current = state.CurrentDeployment(c.Environment!);
        if (current is null)
        {
            return Rejection.Conflict($"nothing of {state.Name} is deployed to {c.Environment}, so there is nothing to roll back");
        }

        var open = state.Rollbacks.Values.FirstOrDefault(r => r.Environment == c.Environment && r.Status is RollbackStatus.Pending or RollbackStatus.Approved);
        if (open is not null)
        {
            return Rejection.Conflict($"rollback request {open.Id} for {c.Environment} is still {open.Status}");
        }

        int target;
        if (c.TargetVersion is { } explicitTarget)
        {
            target = explicitTarget;
        }
        else
        {
            var previous = state.Deployments.Reverse().FirstOrDefault(d => d.Environment == c.Environment && d.Version != current.Version);
            if (previous is null)
            {
                return Rejection.Conflict($"no version other than {current.Version} was ever deployed to {c.Environment}; name a targetVersion");
            }

            target = previous.Version;
        }

        if (target == current.Version)
        {
            return Rejection.Invalid("targetVersion", $"version {target} is already the one deployed to {c.Environment}");
        }

        if (c.Environment == Environments.Production && state.Versions[target].Status != VersionStatus.Approved)
        {
            return Rejection.Conflict($"only an approved version may go to production; version {target} is {state.Versions[target].Status}");
        }

        return Decision.Of(new RollbackRequested(c.Id, c.Environment!, current.Version, target, c.Reason!, c.Actor));
    }

    private static Decision DecideRollback(DecideRollback c, ModelState state)
    {
        var problem = Validation.Required("comment", c.Comment, Validation.MaxText, multiline: true);
        if (problem is not null)
        {
            return problem;
        }

        if (!state.Rollbacks.TryGetValue(c.Id, out var rollback))
        {
            return Rejection.NotFound($"no rollback request {c.Id}");
        }

        if (rollback.RequestedBy == c.Actor)
        {
            return Rejection.Forbidden($"separation of duties: {c.Actor} requested rollback {c.Id} and so may not decide it");
        }

        if (rollback.Status != RollbackStatus.Pending)
        {
            return Rejection.Conflict($"rollback request {c.Id} is {rollback.Status}, not pending");
        }

        return c.Approve
            ? Decision.Of(new RollbackApproved(c.Id, c.Comment!, c.Actor))
            : Decision.Of(new RollbackRejected(c.Id, c.Comment!, c.Actor));
    }

    private static Rejection? RiskTier(string tier) =>
        RiskTiers.All.Contains(tier) ? null : Rejection.Invalid("riskTier", "riskTier must be low, medium or high");

    private static Rejection? Profile(string? description, string? owner, string? intendedUse, string? restrictions, IReadOnlyDictionary<string, string>? tags) =>
        Validation.First(
            Validation.Text("description", description, Validation.MaxText, multiline: true),
            Validation.Text("owner", owner),
            Validation.Text("intendedUse", intendedUse, Validation.MaxText, multiline: true),
            Validation.Text("restrictions", restrictions, Validation.MaxText, multiline: true),
            Validation.Tags("tags", tags));

    private static Rejection? ValidateRegistration(RegisterVersion c)
    {
        if (c.Artifact is null)
        {
            return Rejection.Invalid("artifact", "artifact {uri, sha256} is required");
        }

        var problem = Validation.First(
            Validation.Uri("artifact.uri", c.Artifact.Uri, required: true),
            Validation.Sha256("artifact.sha256", c.Artifact.Sha256),
            c.Artifact.SizeBytes is < 0 ? Rejection.Invalid("artifact.sizeBytes", "artifact.sizeBytes must not be negative") : null,
            Validation.Text("notes", c.Notes, Validation.MaxNotes, multiline: true),
            c.ParentVersion is < 1 ? Rejection.Invalid("parentVersion", "parentVersion must be a version number (1 or more)") : null,
            c.Source is null ? null : Validation.First(Validation.Text("source.repository", c.Source.Repository, Validation.MaxUri), Validation.Text("source.commit", c.Source.Commit)));
        if (problem is not null)
        {
            return problem;
        }

        var datasets = c.Datasets ?? [];
        if (datasets.Count > Validation.MaxItems)
        {
            return Rejection.Invalid("datasets", $"datasets holds more than {Validation.MaxItems} entries");
        }

        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < datasets.Count; i++)
        {
            var d = datasets[i];
            var at = $"datasets[{i}]";
            if (d is null)
            {
                return Rejection.Invalid(at, $"{at} must be an object");
            }

            problem = Validation.First(
                Validation.Required($"{at}.name", d.Name),
                d.Role is not null && DatasetRoles.Contains(d.Role) ? null : Rejection.Invalid($"{at}.role", $"{at}.role must be training, validation, test or other"),
                Validation.Uri($"{at}.uri", d.Uri, required: false),
                Validation.Sha256($"{at}.sha256", d.Sha256),
                d.Rows is < 0 ? Rejection.Invalid($"{at}.rows", $"{at}.rows must not be negative") : null);
            if (problem is not null)
            {
                return problem;
            }

            if (!seen.Add((d.Role!, d.Name)))
            {
                return Rejection.Invalid($"{at}.name", $"{at}: the {d.Role} dataset '{d.Name}' appears twice");
            }
        }

        var dependencies = c.Dependencies ?? [];
        if (dependencies.Count > Validation.MaxDependencies)
        {
            return Rejection.Invalid("dependencies", $"dependencies holds more than {Validation.MaxDependencies} entries");
        }

        var seenDependencies = new HashSet<(string, string)>();
        for (var i = 0; i < dependencies.Count; i++)
        {
            var d = dependencies[i];
            var at = $"dependencies[{i}]";
            if (d is null)
            {
                return Rejection.Invalid(at, $"{at} must be an object");
            }

            problem = Validation.First(
                Validation.Required($"{at}.ecosystem", d.Ecosystem, 50),
                Validation.Required($"{at}.name", d.Name),
                Validation.Required($"{at}.version", d.Version),
                Validation.OptionalSha256($"{at}.sha256", d.Sha256));
            if (problem is not null)
            {
                return problem;
            }

            if (!seenDependencies.Add((d.Ecosystem, d.Name)))
            {
                return Rejection.Invalid($"{at}.name", $"{at}: {d.Ecosystem} package '{d.Name}' appears twice");
            }
        }

        var parameters = c.Parameters ?? ImmutableDictionary<string, JsonElement>.Empty;
        if (parameters.Count > Validation.MaxItems)
        {
            return Rejection.Invalid("parameters", $"parameters holds more than {Validation.MaxItems} entries");
        }

        foreach (var (key, value) in parameters)
        {
            problem = Validation.Required($"parameters.{key}", key, 200)
                ?? (value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False
                    ? null
                    : Rejection.Invalid($"parameters.{key}", $"parameters.{key} must be a string, a number or a boolean"))
                ?? (value.ValueKind == JsonValueKind.String ? Validation.Text($"parameters.{key}", value.GetString(), Validation.MaxText) : null)
                ?? (value.ValueKind == JsonValueKind.Number && !double.IsFinite(value.GetDouble()) ? Rejection.Invalid($"parameters.{key}", $"parameters.{key} is out of range") : null);
            if (problem is not null)
            {
                return problem;
            }
        }

        var metrics = c.Metrics ?? ImmutableDictionary<string, double>.Empty;
        if (metrics.Count > Validation.MaxItems)
        {
            return Rejection.Invalid("metrics", $"metrics holds more than {Validation.MaxItems} entries");
        }

        foreach (var (key, value) in metrics)
        {
            problem = Validation.Required($"metrics.{key}", key, 200)
                ?? (double.IsFinite(value) ? null : Rejection.Invalid($"metrics.{key}", $"metrics.{key} must be a finite number"));
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Changed(string? requested, string? current) => requested is not null && requested != current ? requested : null;

    private static bool SameTags(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
