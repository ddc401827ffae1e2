using System.Data.Common;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;

namespace Slo.Api.Storage;

/// <summary>
/// The one SQL database of the service: SQLite (embedded default) or SQL Server. Queries are the same Dapper queries
/// for both; what differs lives here: how to connect, and each provider's own migration scripts.
/// </summary>
public sealed class SqlDatabase
{
    static SqlDatabase() => InstantTypeHandler.Register();

    private SqlDatabase(string provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
    }

    public string Provider { get; }
    public string ConnectionString { get; }

    /// <summary>Where this provider's migration scripts sit among the embedded resources.</summary>
    public string MigrationFolder => Provider;

    public static SqlDatabase Sqlite(string connectionString) => new("sqlite", connectionString);

    public static SqlDatabase SqlServer(string connectionString) => new("sqlserver", connectionString);

    public static SqlDatabase From(StorageOptions options) => options.Provider switch
    {
        "sqlite" => Sqlite(options.ConnectionString),
        "sqlserver" => SqlServer(options.ConnectionString),
        _ => throw new InvalidOperationException($"Storage:Provider '{options.Provider}' is not sqlite or sqlserver."),
    };

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        DbConnection connection = Provider == "sqlite" ? new SqliteConnection(ConnectionString) : new SqlConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The statement that creates the table recording applied migrations, if missing.</summary>
    internal string MigrationTableSql => Provider == "sqlite"
        ? """
          CREATE TABLE IF NOT EXISTS schema_migrations (
              version INTEGER NOT NULL PRIMARY KEY,
              description TEXT NOT NULL,
              applied_at INTEGER NOT NULL)
          """
        : """
          IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL
          CREATE TABLE dbo.schema_migrations (
              version INT NOT NULL PRIMARY KEY,
              description NVARCHAR(200) NOT NULL,
              applied_at BIGINT NOT NULL)
          """;

    /// <summary>SQLite: write-ahead logging lets the API read while the worker writes; it is a property of the file.</summary>
    internal async Task PrepareAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (Provider == "sqlite")
            await connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode=WAL;", cancellationToken: cancellationToken));
    }
}
