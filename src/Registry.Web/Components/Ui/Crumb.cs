namespace Registry.Web.Components.Ui;

/// <summary>One step of a breadcrumb trail; the last one is the current page.</summary>
public sealed record Crumb(string Label, string? Href = null);
