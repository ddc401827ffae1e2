using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;

namespace Slo.Api.Storage;

/// <summary>
/// Applies the provider's versioned migration scripts (<c>Storage/Migrations/{provider}/NNNN_name.sql</c>, embedded)
/// that the database has not seen, each in its own transaction, and records them in <c>schema_migrations</c>.
/// </summary>
public sealed partial class MigrationRunner(SqlDatabase database, NodaTime.IClock clock, ILogger<MigrationRunner> logger)
{
    public sealed record Migration(int Version, string Description, string Sql);

    public static IReadOnlyList<Migration> Discover(string provider)
    {
        var assembly = typeof(MigrationRunner).Assembly;
        // Resource names follow the root namespace and folders, not the assembly name ("slo").
        var prefix = $"{typeof(MigrationRunner).Namespace}.Migrations.{provider}.";
        var migrations = new List<Migration>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var match = ScriptName().Match(name[prefix.Length..]);
            if (!match.Success)
                throw new InvalidOperationException($"Migration '{name}' is not named NNNN_description.sql.");
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two {provider} migrations have version {duplicate.Key}.");
        return migrations.OrderBy(m => m.Version).ToArray();
    }

    /// <summary>Applies what is missing; returns the versions applied now.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenCreatingAsync(cancellationToken);
        await database.PrepareAsync(connection, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(database.MigrationTableSql, cancellationToken: cancellationToken));
        var applied = (await connection.QueryAsync<int>(new CommandDefinition("SELECT version FROM schema_migrations", cancellationToken: cancellationToken))).ToHashSet();

        var now = new List<int>();
        foreach (var migration in Discover(database.MigrationFolder).Where(m => !applied.Contains(m.Version)))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Replicas starting together on one database: the first takes the lock and applies; the others find it done.
            if (database.MigrationLockSql is { } takeLock)
                await connection.ExecuteAsync(new CommandDefinition(takeLock, transaction: transaction, cancellationToken: cancellationToken));
            if (await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                    "SELECT COUNT(*) FROM schema_migrations WHERE version = @Version", new { migration.Version }, transaction, cancellationToken: cancellationToken)) > 0)
                continue;
            await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (@Version, @Description, @AppliedAt)",
                new { migration.Version, migration.Description, AppliedAt = clock.GetCurrentInstant() },
                transaction,
                cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Applied {Provider} migration {Version} ({Description})", database.Provider, migration.Version, migration.Description);
            now.Add(migration.Version);
        }

        return now;
    }

    [GeneratedRegex(@"^(\d{4})_([A-Za-z0-9_]+)\.sql$")]
    private static partial Regex ScriptName();
}
