// Expectations computed from the source of truth, registry.events, rather than from the code under test.
namespace Registry.Testing;

public static class LogQueries
{
    /// <summary>How many events match a SQL condition on registry.events.</summary>
    public static async Task<long> CountAsync(this RegistryApp app, string condition)
    {
        await using var command = app.DataSource.CreateCommand("SELECT count(*) FROM registry.events WHERE " + condition);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
