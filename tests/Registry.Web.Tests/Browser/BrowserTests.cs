namespace Registry.Web.Tests.Browser;

/// <summary>
/// The classes that drive Chromium run one after another, not beside each other: each starts its own host
/// and browser, and on two cores shared with every other test assembly, three browsers at once starved
/// each other's pages past any reasonable wait. Other test classes still run beside them.
/// </summary>
[CollectionDefinition(Collection)]
public sealed class BrowserTests
{
    public const string Collection = "Chromium journeys";
}
