using Microsoft.AspNetCore.Http.HttpResults;
using Slo.Api.Cluster;
using Slo.Api.Definitions;
using Slo.Api.Hosting;

namespace Slo.Api.Api;

/// <summary>One replica in <c>GET /api/v1/cluster</c>.</summary>
public sealed record ReplicaDto(string Id, bool Self, bool Alive, Instant? StartedAt, Instant? HeartbeatAt, string Address, IReadOnlyList<int> Shards, int Objectives);

/// <summary>One shard's lease in <c>GET /api/v1/cluster</c>.</summary>
public sealed record LeaseDto(int Shard, string? Holder, Instant? ExpiresAt, int Objectives);

/// <summary>The replicas sharing this database, the shards and who holds each.</summary>
public sealed record ClusterDto(bool Enabled, string Replica, int Shards, double LeaseSeconds, IReadOnlyList<ReplicaDto> Replicas, IReadOnlyList<LeaseDto> Leases);

/// <summary>The replicas and their shard leases, read from SQL (the same answer from every replica).</summary>
public static class ClusterApi
{
    public static RouteHandlerBuilder MapClusterApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/cluster", GetCluster).WithTags("cluster").WithName("GetCluster")
            .WithSummary("The replicas sharing the database, the shards of objectives and the replica holding each");

    private static async Task<Ok<ClusterDto>> GetCluster(ClusterMembership cluster, LeaseStore store, DefinitionCatalog catalog, IClock clock, CancellationToken cancellationToken)
    {
        var set = catalog.Current;
        var perShard = new int[cluster.Shards];
        foreach (var objective in set.Objectives)
            perShard[cluster.ShardOf(objective.Id)]++;
        if (!cluster.Enabled)
        {
            var all = Enumerable.Range(0, cluster.Shards).ToArray();
            return TypedResults.Ok(new ClusterDto(false, cluster.ReplicaId, cluster.Shards, cluster.LeaseDuration.TotalSeconds,
                [new ReplicaDto(cluster.ReplicaId, true, true, null, null, "", all, set.Objectives.Count)], []));
        }

        var now = clock.Now();
        var leases = (await store.LeasesAsync(cancellationToken)).Where(l => l.Shard < cluster.Shards).ToArray();
        var held = leases.Where(l => l.Holder is not null && l.ExpiresAt >= now).ToArray();
        var replicas = (await store.ReplicasAsync(cancellationToken))
            .OrderBy(r => r.ReplicaId, StringComparer.Ordinal)
            .Select(r =>
            {
                var shards = held.Where(l => l.Holder == r.ReplicaId).Select(l => l.Shard).ToArray();
                return new ReplicaDto(r.ReplicaId, r.ReplicaId == cluster.ReplicaId, r.HeartbeatAt >= now - cluster.LeaseDuration, r.StartedAt, r.HeartbeatAt,
                    r.Address, shards, shards.Sum(s => perShard[s]));
            })
            .ToArray();
        return TypedResults.Ok(new ClusterDto(true, cluster.ReplicaId, cluster.Shards, cluster.LeaseDuration.TotalSeconds, replicas,
            leases.Select(l => new LeaseDto(l.Shard, l.Holder is not null && l.ExpiresAt >= now ? l.Holder : null, l.Holder is null ? null : l.ExpiresAt, perShard[l.Shard])).ToArray()));
    }
}
