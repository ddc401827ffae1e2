using System.Runtime.InteropServices;
using Dapper;
using Slo.Api.Storage;
using Slo.Engine.Ledger;

namespace Slo.Api.Ledger;

/// <summary>A stored ledger's head: the fingerprint of its counting definition and its bucket lengths in seconds
/// (coarsest first, comma-separated).</summary>
public sealed record StoredHead(string ObjectiveId, string Fingerprint, string Buckets);

/// <summary>What changed in one ledger since it was last stored.</summary>
/// <param name="Replace">The ledger is new or was started afresh: every chunk stored before is dropped.</param>
/// <param name="Held">When buckets were dropped: what each part still holds, so chunks wholly outside go.</param>
public sealed record LedgerChanges(
    string ObjectiveId,
    string Fingerprint,
    LedgerLayout Layout,
    bool Replace,
    IReadOnlyList<LedgerChunk> Chunks,
    IReadOnlyList<(int Tier, long FromMs, long ToMs)>? Held);

/// <summary>The event ledgers in SQL, with the same Dapper queries on SQLite and SQL Server.</summary>
public sealed class LedgerStore(SqlDatabase database, IClock clock)
{
    /// <summary>Every stored ledger's head; the chunks are read per group of objectives (<see cref="LoadChunksAsync"/>)
    /// so that a restart never holds every ledger twice.</summary>
    public async Task<IReadOnlyList<StoredHead>> LoadHeadsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var heads = await connection.QueryAsync<(string ObjectiveId, string Fingerprint, string Buckets)>(new CommandDefinition(
            "SELECT objective_id, fingerprint, buckets FROM ledger_heads", cancellationToken: cancellationToken));
        return heads.Select(h => new StoredHead(h.ObjectiveId, h.Fingerprint, h.Buckets)).ToArray();
    }

    /// <summary>The heads of <paramref name="objectiveIds"/> only (those stored), read <see cref="MaxLoad"/> at a time.</summary>
    public async Task<IReadOnlyList<StoredHead>> LoadHeadsAsync(IReadOnlyCollection<string> objectiveIds, CancellationToken cancellationToken)
    {
        var result = new List<StoredHead>();
        if (objectiveIds.Count == 0)
            return result;
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var ids in objectiveIds.Chunk(MaxLoad))
        {
            var heads = await connection.QueryAsync<(string ObjectiveId, string Fingerprint, string Buckets)>(new CommandDefinition(
                "SELECT objective_id, fingerprint, buckets FROM ledger_heads WHERE objective_id IN @Ids", new { Ids = ids }, cancellationToken: cancellationToken));
            result.AddRange(heads.Select(h => new StoredHead(h.ObjectiveId, h.Fingerprint, h.Buckets)));
        }

        return result;
    }

    /// <summary>The stored chunks of <paramref name="objectiveIds"/> (at most 500: SQL Server takes 2,100 parameters);
    /// of the coarsest part only those starting at or after <paramref name="fromMs"/>: older ones are the archive, read
    /// by reports (<see cref="LoadArchiveAsync"/>), not held in memory.</summary>
    public async Task<IReadOnlyDictionary<string, List<LedgerChunk>>> LoadChunksAsync(IReadOnlyCollection<string> objectiveIds, long fromMs, CancellationToken cancellationToken)
    {
        if (objectiveIds.Count > MaxLoad)
            throw new ArgumentOutOfRangeException(nameof(objectiveIds), objectiveIds.Count, $"Load at most {MaxLoad} ledgers at once.");
        var result = new Dictionary<string, List<LedgerChunk>>(StringComparer.Ordinal);
        if (objectiveIds.Count == 0)
            return result;
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string ObjectiveId, long Tier, long ChunkStart, byte[] Counts)>(new CommandDefinition(
            "SELECT objective_id, tier, chunk_start, counts FROM ledger_chunks WHERE objective_id IN @Ids AND (tier > 0 OR chunk_start >= @From)",
            new { Ids = objectiveIds, From = fromMs },
            cancellationToken: cancellationToken));
        foreach (var (id, tier, start, counts) in rows)
        {
            if (!result.TryGetValue(id, out var chunks))
                result[id] = chunks = [];
            chunks.Add(new LedgerChunk((int)tier, start, Decode(counts)));
        }

        return result;
    }

    /// <summary>The stored chunks of the coarsest part of one ledger that overlap [fromMs, toMs): the archive that
    /// reports over periods older than the ledger holds in memory are sums of.</summary>
    public async Task<IReadOnlyList<LedgerChunk>> LoadArchiveAsync(string objectiveId, long fromMs, long toMs, long chunkMs, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long ChunkStart, byte[] Counts)>(new CommandDefinition(
            "SELECT chunk_start, counts FROM ledger_chunks WHERE objective_id = @Id AND tier = 0 AND chunk_start > @From AND chunk_start < @To ORDER BY chunk_start",
            new { Id = objectiveId, From = fromMs - chunkMs, To = toMs },
            cancellationToken: cancellationToken));
        return rows.Select(r => new LedgerChunk(0, r.ChunkStart, Decode(r.Counts))).ToArray();
    }

    /// <summary>Deletes archived chunks (coarsest part) that end before <paramref name="beforeMs"/>; returns how many.</summary>
    public Task<int> PruneArchiveAsync(long beforeMs, long maxChunkMs, CancellationToken cancellationToken) =>
        database.WriteAsync("ledger", (connection, transaction) => connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM ledger_chunks WHERE tier = 0 AND chunk_start < @Before",
            new { Before = beforeMs - maxChunkMs },
            transaction,
            cancellationToken: cancellationToken)), cancellationToken);

    /// <summary>The most ledgers <see cref="LoadChunksAsync"/> reads at once.</summary>
    public const int MaxLoad = 500;

    /// <summary>Stores the changes in one transaction: either all of them are durable or none.</summary>
    public async Task SaveAsync(IReadOnlyCollection<LedgerChanges> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
            return;
        await database.WriteAsync("ledger", async (connection, transaction) =>
        {
            var now = clock.GetCurrentInstant();
            var replaced = changes.Where(c => c.Replace).ToArray();
            if (replaced.Length > 0)
            {
                var ids = replaced.Select(c => new { Id = c.ObjectiveId }).ToArray();
                await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ledger_chunks WHERE objective_id = @Id", ids, transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ledger_heads WHERE objective_id = @Id", ids, transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO ledger_heads (objective_id, fingerprint, buckets, updated_at)
                    VALUES (@Id, @Fingerprint, @Buckets, @UpdatedAt)
                    """,
                    replaced.Select(c => new { Id = c.ObjectiveId, c.Fingerprint, Buckets = c.Layout.Describe(), UpdatedAt = now }).ToArray(),
                    transaction,
                    cancellationToken: cancellationToken));
            }

            var dropped = changes.Where(c => c.Held is not null && !c.Replace)
                .SelectMany(c => c.Held!.Select(h => new
                {
                    Id = c.ObjectiveId,
                    h.Tier,
                    // An empty part holds nothing: every chunk of it goes.
                    From = h.ToMs > h.FromMs ? h.FromMs : long.MaxValue,
                    To = h.ToMs > h.FromMs ? h.ToMs : long.MinValue,
                    ChunkMs = LedgerLayout.ChunkBuckets * (long)c.Layout.Buckets[h.Tier].TotalMilliseconds,
                }))
                .ToArray();
            if (dropped.Length > 0)
            {
                // The coarsest part keeps its chunks before the range it holds: they are the archive that reports over
                // past periods read. Finer parts keep only what they hold.
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    DELETE FROM ledger_chunks WHERE objective_id = @Id AND tier = @Tier
                    AND ((tier > 0 AND (chunk_start + @ChunkMs <= @From OR chunk_start >= @To)) OR (tier = 0 AND @To > @From AND chunk_start >= @To))
                    """,
                    dropped,
                    transaction,
                    cancellationToken: cancellationToken));
            }

            // A coarsest-part chunk whose front the ledger let go keeps those buckets from the stored chunk (the archive).
            foreach (var change in changes.Where(c => !c.Replace))
            {
                foreach (var chunk in change.Chunks.Where(k => k.Tier == 0 && float.IsNaN(k.Counts[0])))
                {
                    var old = await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
                        "SELECT counts FROM ledger_chunks WHERE objective_id = @Id AND tier = 0 AND chunk_start = @Start",
                        new { Id = change.ObjectiveId, Start = chunk.StartMs },
                        transaction,
                        cancellationToken: cancellationToken));
                    if (old is null)
                        continue;
                    var kept = Decode(old);
                    for (var i = 0; i < chunk.Counts.Length && i < kept.Length; i++)
                    {
                        if (float.IsNaN(chunk.Counts[i]) && !float.IsNaN(kept[i]))
                            chunk.Counts[i] = kept[i];
                    }
                }
            }

            var rows = changes.SelectMany(c => c.Chunks.Select(k => new { Id = c.ObjectiveId, k.Tier, Start = k.StartMs, Counts = Encode(k.Counts) })).ToArray();
            if (rows.Length > 0)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM ledger_chunks WHERE objective_id = @Id AND tier = @Tier AND chunk_start = @Start", rows, transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO ledger_chunks (objective_id, tier, chunk_start, counts) VALUES (@Id, @Tier, @Start, @Counts)", rows, transaction, cancellationToken: cancellationToken));
            }
        }, cancellationToken);
    }

    // float32 pairs, little-endian as on every platform .NET runs the service on.
    private static byte[] Encode(float[] counts) => MemoryMarshal.AsBytes(counts.AsSpan()).ToArray();

    private static float[] Decode(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}
