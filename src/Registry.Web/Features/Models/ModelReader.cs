// The portal's view of the model streams: the current state (cached by the domain's ModelStreams),
// or the state "as of" a time rebuilt from the log. Null means no such model (at that time).
using Registry.Core;
using Registry.Core.Models;
using Registry.Web.Features.Shared;

namespace Registry.Web.Features.Models;

public sealed class ModelReader(ModelStreams streams)
{
    public async Task<ModelState?> LoadAsync(string name, DateTimeOffset? asOf, CancellationToken cancellationToken)
    {
        if (!Validation.IsName(name))
        {
            return null;
        }

        var loaded = asOf is { } at ? await streams.LoadAsOfAsync(name, at, cancellationToken) : await streams.LoadAsync(name, cancellationToken);
        return loaded.State.Exists ? loaded.State : null;
    }

    /// <summary>Everyone a model page may name, for one display-name lookup.</summary>
    public static IEnumerable<string?> PeopleIn(ModelState model) =>
        new[] { model.CreatedBy, model.Profile.Owner }
            .Concat(model.Versions.Values.SelectMany(v => v.Approvals.Select(a => a.Approver).Append(v.RegisteredBy).Append(v.SubmittedBy)))
            .Concat(model.Deployments.Select(d => d.DeployedBy))
            .Concat(model.Rollbacks.Values.SelectMany(r => new[] { r.RequestedBy, r.DecidedBy }));
}

/// <summary>Runs a command from a portal form as the signed-in person; returns the rejection, or null when it was recorded.</summary>
public sealed class ModelCommandRunner(ModelStreams streams)
{
    public async Task<Rejection?> RunAsync(string model, ModelCommand command, HttpContext context)
    {
        var (_, rejection) = await streams.HandleAsync(model, command, context.Metadata(), context.RequestAborted);
        return rejection;
    }

    /// <summary>The HTTP status a refused form answers with, the same as the API's.</summary>
    public static int StatusFor(Rejection rejection) => rejection.Kind switch
    {
        RejectionKind.Validation => StatusCodes.Status400BadRequest,
        RejectionKind.NotFound => StatusCodes.Status404NotFound,
        RejectionKind.Forbidden => StatusCodes.Status403Forbidden,
        RejectionKind.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
        _ => StatusCodes.Status409Conflict,
    };
}
