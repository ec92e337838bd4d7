using Npgsql;
using Registry.EventStore.Migrations;
using Registry.Testing;

namespace Registry.EventStore.Tests.Hosting;

public sealed class MigratorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("migrations-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Write(string name, string sql) => File.WriteAllText(Path.Combine(_folder, name), sql);

    private async Task<(NpgsqlDataSource DataSource, Func<Migrator> Migrator)> EmptyDatabaseAsync()
    {
        var dataSource = NpgsqlDataSource.Create(await TestCluster.CreateEmptyDatabaseAsync("migrator"));
        return (dataSource, () => new Migrator(dataSource, Migrator.FromDirectory(_folder)));
    }

    [Fact]
    public async Task Migrations_apply_in_file_name_order_and_are_recorded_with_their_checksum()
    {
        // 0002 only works if 0001 ran first.
        Write("0002_add_column.sql", "ALTER TABLE registry.sample ADD COLUMN b int;");
        Write("0001_create.sql", "CREATE TABLE registry.sample (a int);");
        var (dataSource, migrator) = await EmptyDatabaseAsync();

        var report = await migrator().MigrateAsync();

        Assert.Equal(["0001_create.sql", "0002_add_column.sql"], report.Applied);
        await using var command = dataSource.CreateCommand("SELECT name, checksum FROM registry.schema_migrations ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("0001_create.sql", reader.GetString(0));
        Assert.Equal(new Migration("x", "CREATE TABLE registry.sample (a int);").Checksum, reader.GetString(1));
    }

    [Fact]
    public async Task Migrating_twice_applies_nothing_the_second_time()
    {
        Write("0001_create.sql", "CREATE TABLE registry.sample (a int);");
        var (_, migrator) = await EmptyDatabaseAsync();
        await migrator().MigrateAsync();

        var second = await migrator().MigrateAsync();

        Assert.Empty(second.Applied);
        Assert.Equal(["0001_create.sql"], second.AlreadyApplied);
        Assert.True(await migrator().IsUpToDateAsync());
    }

    [Fact]
    public async Task A_changed_applied_migration_stops_the_start_naming_the_file()
    {
        Write("0001_create.sql", "CREATE TABLE registry.sample (a int);");
        var (_, migrator) = await EmptyDatabaseAsync();
        await migrator().MigrateAsync();
        Write("0001_create.sql", "CREATE TABLE registry.sample (a bigint);");
        Write("0002_more.sql", "CREATE TABLE registry.more (a int);");

        var error = await Assert.ThrowsAsync<MigrationException>(() => migrator().MigrateAsync());

        Assert.Contains("migrations/0001_create.sql was changed after it was applied", error.Message, StringComparison.Ordinal);
        Assert.False(await migrator().IsUpToDateAsync());
    }

    [Fact]
    public async Task A_failing_migration_leaves_nothing_of_itself_and_names_the_file()
    {
        Write("0001_create.sql", "CREATE TABLE registry.sample (a int);");
        Write("0002_broken.sql", "CREATE TABLE registry.half (a int); SELECT * FROM no_such_table;");
        var (dataSource, migrator) = await EmptyDatabaseAsync();

        var error = await Assert.ThrowsAsync<MigrationException>(() => migrator().MigrateAsync());

        Assert.Contains("migrations/0002_broken.sql failed", error.Message, StringComparison.Ordinal);
        await using var half = dataSource.CreateCommand("SELECT to_regclass('registry.half') IS NULL");
        Assert.True((bool)(await half.ExecuteScalarAsync())!);
    }

    [Fact]
    public void The_shipped_migrations_are_embedded_and_numbered()
    {
        var shipped = Migrator.Embedded();

        Assert.Contains(shipped, m => m.Name.StartsWith("0001_", StringComparison.Ordinal));

        Assert.All(shipped, m => Assert.Matches(@"^\d{4}_[a-z0-9_]+\.sql$", m.Name));
        Assert.Equal(shipped.Select(m => m.Name[..4]).Distinct().Count(), shipped.Count);
    }
}
