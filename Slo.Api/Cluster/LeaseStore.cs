using Dapper;
using Slo.Api.Storage;

namespace Slo.Api.Cluster;

/// <summary>A replica as the database knows it.</summary>
public sealed record ReplicaRow
{
    public string ReplicaId { get; init; } = "";
    public Instant StartedAt { get; init; }
    public Instant HeartbeatAt { get; init; }
    public string Address { get; init; } = "";
}

/// <summary>One shard's lease: its holder (null when free) and when the lease runs out unless renewed.</summary>
public sealed record LeaseRow
{
    public int Shard { get; init; }
    public string? Holder { get; init; }
    public Instant AcquiredAt { get; init; }
    public Instant ExpiresAt { get; init; }
    public long Generation { get; init; }
}

/// <summary>
/// Replicas and shard leases in SQL, with the same Dapper queries on SQLite and SQL Server. Every change of a lease is a
/// conditional update (taken only when free, expired or already ours), so two replicas can never both hold one.
/// </summary>
public sealed class LeaseStore(SqlDatabase database)
{
    public async Task<IReadOnlyList<ReplicaRow>> ReplicasAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<ReplicaRow>(new CommandDefinition(
            "SELECT replica_id AS ReplicaId, started_at AS StartedAt, heartbeat_at AS HeartbeatAt, address AS Address FROM cluster_replicas",
            cancellationToken: cancellationToken))).AsList();
    }

    public async Task<IReadOnlyList<LeaseRow>> LeasesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<LeaseRow>(new CommandDefinition(
            "SELECT shard AS Shard, holder AS Holder, acquired_at AS AcquiredAt, expires_at AS ExpiresAt, generation AS Generation FROM cluster_leases ORDER BY shard",
            cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Says this replica is alive (and adds it when new); forgets replicas silent for a day.</summary>
    public Task HeartbeatAsync(string replica, Instant startedAt, string address, Instant now, CancellationToken cancellationToken) =>
        database.WriteAsync("cluster_heartbeat", async (connection, transaction) =>
        {
            var row = new { ReplicaId = replica, StartedAt = startedAt, HeartbeatAt = now, Address = address, Forget = now - Duration.FromDays(1) };
            if (await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE cluster_replicas SET heartbeat_at = @HeartbeatAt, address = @Address WHERE replica_id = @ReplicaId", row, transaction, cancellationToken: cancellationToken)) == 0)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO cluster_replicas (replica_id, started_at, heartbeat_at, address) VALUES (@ReplicaId, @StartedAt, @HeartbeatAt, @Address)",
                    row, transaction, cancellationToken: cancellationToken));
            }

            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM cluster_replicas WHERE heartbeat_at < @Forget", row, transaction, cancellationToken: cancellationToken));
        }, cancellationToken);

    /// <summary>
    /// In one transaction: makes sure every shard has a lease row, gives up <paramref name="release"/>, takes each of
    /// <paramref name="take"/> that is free, expired or already ours, renews the rest of ours; returns the shards held now.
    /// </summary>
    public Task<IReadOnlySet<int>> BalanceAsync(
        string replica, int shards, IReadOnlyCollection<int> release, IReadOnlyCollection<int> take, Instant now, Instant expires, CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlySet<int>>("cluster_leases", async (connection, transaction) =>
        {
            var existing = (await connection.QueryAsync<int>(new CommandDefinition("SELECT shard FROM cluster_leases", transaction: transaction, cancellationToken: cancellationToken))).ToHashSet();
            foreach (var shard in Enumerable.Range(0, shards).Where(s => !existing.Contains(s)))
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO cluster_leases (shard, holder, acquired_at, expires_at, generation) VALUES (@Shard, NULL, 0, 0, 0)",
                    new { Shard = shard }, transaction, cancellationToken: cancellationToken));
            }

            if (release.Count > 0)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE cluster_leases SET holder = NULL, expires_at = 0 WHERE holder = @Replica AND shard IN @Shards",
                    new { Replica = replica, Shards = release.ToArray() }, transaction, cancellationToken: cancellationToken));
            }

            foreach (var shard in take)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    UPDATE cluster_leases SET holder = @Replica, acquired_at = @Now, expires_at = @Expires, generation = generation + 1
                    WHERE shard = @Shard AND (holder IS NULL OR expires_at < @Now) 
                    """,
                    new { Replica = replica, Shard = shard, Now = now, Expires = expires }, transaction, cancellationToken: cancellationToken));
            }

            return await RenewAsync(connection, transaction, replica, now, expires, cancellationToken);
        }, cancellationToken);

    /// <summary>Extends the leases this replica still holds; returns their shards (a lease lost meanwhile is not among them).</summary>
    public Task<IReadOnlySet<int>> RenewAsync(string replica, Instant now, Instant expires, CancellationToken cancellationToken) =>
        database.WriteAsync("cluster_leases", (connection, transaction) => RenewAsync(connection, transaction, replica, now, expires, cancellationToken), cancellationToken);

    private static async Task<IReadOnlySet<int>> RenewAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string replica, Instant now, Instant expires, CancellationToken cancellationToken)
    {
        var args = new { Replica = replica, Now = now, Expires = expires };
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE cluster_leases SET expires_at = @Expires WHERE holder = @Replica AND expires_at >= @Now", args, transaction, cancellationToken: cancellationToken));
        return (await connection.QueryAsync<int>(new CommandDefinition(
            "SELECT shard FROM cluster_leases WHERE holder = @Replica AND expires_at >= @Now", args, transaction, cancellationToken: cancellationToken))).ToHashSet();
    }

    /// <summary>An orderly stop: every lease of <paramref name="replica"/> is free at once, and the replica leaves.</summary>
    public Task LeaveAsync(string replica, CancellationToken cancellationToken) =>
        database.WriteAsync("cluster_leases", async (connection, transaction) =>
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE cluster_leases SET holder = NULL, expires_at = 0 WHERE holder = @Replica", new { Replica = replica }, transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM cluster_replicas WHERE replica_id = @Replica", new { Replica = replica }, transaction, cancellationToken: cancellationToken));
        }, cancellationToken);
}
