using Microsoft.Extensions.Logging.Abstractions;
using NodaTime.Testing;
using Slo.Api.Storage;

namespace Slo.Tests.Api;

/// <summary>A migrated database of one provider for repository tests: a fresh SQLite file, or the SQL Server that
/// SLO_TEST_SQLSERVER names (without it the fixture is reported as skipped, never as passed).</summary>
internal sealed class ProviderDatabase
{
    private readonly string? _file;

    private ProviderDatabase(SqlDatabase database, string? file)
    {
        Database = database;
        _file = file;
    }

    public SqlDatabase Database { get; }

    public static async Task<ProviderDatabase> CreateAsync(string provider, string name, Instant now)
    {
        ProviderDatabase created;
        if (provider == "sqlite")
        {
            var file = Path.Combine(Path.GetTempPath(), $"slo-{name}-{Guid.NewGuid():N}.db");
            created = new ProviderDatabase(SqlDatabase.Sqlite($"Data Source={file}"), file);
        }
        else
        {
            var connection = Environment.GetEnvironmentVariable("SLO_TEST_SQLSERVER");
            if (string.IsNullOrWhiteSpace(connection))
                Assert.Ignore("SQL Server tests need SLO_TEST_SQLSERVER (a connection string); not set, so they did not run.");
            created = new ProviderDatabase(SqlDatabase.SqlServer(connection), null);
        }

        await new MigrationRunner(created.Database, new FakeClock(now), NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        return created;
    }

    public void Delete()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_file is not null && File.Exists(_file))
            File.Delete(_file);
    }
}
