using System.Data.Common;
using System.Runtime.InteropServices;
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

    private readonly string _openExisting;

    private SqlDatabase(string provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _openExisting = connectionString;
        if (provider == "sqlite")
        {
            // Only the migrations may create the file. Afterwards a file that went missing is an error to report,
            // not an empty database to fill silently while the real one sits somewhere else.
            var builder = new SqliteConnectionStringBuilder(connectionString);
            if (builder.Mode == SqliteOpenMode.ReadWriteCreate && builder.DataSource is not ("" or ":memory:"))
            {
                SqliteFile = builder.DataSource;
                builder.Mode = SqliteOpenMode.ReadWrite;
                _openExisting = builder.ToString();
            }
        }
    }

    public string Provider { get; }
    public string ConnectionString { get; }

    /// <summary>The SQLite database file, when the store is one (its path is no secret; a SQL Server connection string may hold one).</summary>
    public string? SqliteFile { get; }

    /// <summary>The outcome of the writes, for readiness and /metrics.</summary>
    public StorageHealth Health { get; } = new();

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

    /// <summary>A connection to the database, which must exist (the migrations create it).</summary>
    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(_openExisting, cancellationToken);

    /// <summary>A connection that creates the SQLite file if it is missing: for the migrations only.</summary>
    internal Task<DbConnection> OpenCreatingAsync(CancellationToken cancellationToken) => OpenAsync(ConnectionString, cancellationToken);

    private async Task<DbConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        DbConnection connection = Provider == "sqlite" ? new SqliteConnection(connectionString) : new SqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            EnsureInPlace(connection);
            return connection;
        }
        catch (SqliteException e) when (SqliteFile is not null && !File.Exists(SqliteFile))
        {
            await connection.DisposeAsync();
            throw new StorageException($"the SQLite database file '{SqliteFile}' is gone (moved or deleted while the service ran): {e.Message}");
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and commits it only if the database is still where it was
    /// opened; records the outcome in <see cref="Health"/>. Every durable write of the service goes through here,
    /// so none is acknowledged that went into a file moved or deleted under the service.
    /// </summary>
    public async Task<T> WriteAsync<T>(string operation, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var result = await work(connection, transaction);
            EnsureInPlace(connection);
            await transaction.CommitAsync(cancellationToken);
            Health.Succeeded();
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Health.Failed(operation, e);
            throw;
        }
    }

    /// <inheritdoc cref="WriteAsync{T}"/>
    public Task WriteAsync(string operation, Func<DbConnection, DbTransaction, Task> work, CancellationToken cancellationToken) =>
        WriteAsync(operation, async (connection, transaction) =>
        {
            await work(connection, transaction);
            return true;
        }, cancellationToken);

    // SQLite keeps writing through an open handle into a file that was renamed or unlinked, and pooled connections
    // keep such handles: SQLITE_FCNTL_HAS_MOVED asks SQLite whether the file at the path is still the one it has open.
    private void EnsureInPlace(DbConnection connection)
    {
        if (connection is not SqliteConnection { Handle: { } handle } sqlite || SqliteFile is null)
            return;
        var moved = 0;
        if (NativeSqlite.FileControl(handle.DangerousGetHandle(), "main", NativeSqlite.HasMoved, ref moved) != 0 || moved == 0)
            return;
        SqliteConnection.ClearPool(sqlite);
        throw new StorageException(
            $"the SQLite database file '{SqliteFile}' was moved or deleted while the service had it open; nothing more is written " +
            "until it is back at that path (or the service restarts and creates a new, empty one there)");
    }

    private static class NativeSqlite
    {
        public const int HasMoved = 20; // SQLITE_FCNTL_HAS_MOVED

        [DllImport("e_sqlite3", EntryPoint = "sqlite3_file_control", CallingConvention = CallingConvention.Cdecl)]
        public static extern int FileControl(IntPtr db, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, int op, ref int arg);
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

    /// <summary>
    /// What serializes migrations between replicas inside a migration's transaction: SQL Server takes an application
    /// lock; SQLite needs nothing, since its write transactions begin immediate and so already exclude each other.
    /// </summary>
    internal string? MigrationLockSql => Provider == "sqlite"
        ? null
        : "EXEC sp_getapplock @Resource = 'slo_schema_migrations', @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 60000";

    /// <summary>SQLite: write-ahead logging lets the API read while the worker writes; it is a property of the file.</summary>
    internal async Task PrepareAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (Provider == "sqlite")
            await connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode=WAL;", cancellationToken: cancellationToken));
    }
}
