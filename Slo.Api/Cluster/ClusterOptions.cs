using System.ComponentModel.DataAnnotations;

namespace Slo.Api.Cluster;

/// <summary>The <c>Cluster</c> configuration section: several replicas sharing one database.</summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>
    /// Off (the default): this process evaluates every objective, as a single service. On: the replicas on the same
    /// database split the objectives by shard leases and share their statuses through it.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>This replica's name in leases and in <c>/api/v1/cluster</c>; by default the host name, process id and a
    /// random suffix, so that a restarted process is a new replica.</summary>
    public string ReplicaId { get; set; } = "";

    /// <summary>How many shards the objectives are split into. Every replica must use the same number; 60 divides evenly
    /// among 1 to 6 replicas.</summary>
    [Range(1, 4096)]
    public int Shards { get; set; } = 60;

    /// <summary>The address other people reach this replica at, shown in <c>/api/v1/cluster</c> (optional).</summary>
    public string Address { get; set; } = "";

    /// <summary>The replica id actually used.</summary>
    public string GetReplicaId() =>
        ReplicaId.Length > 0 ? ReplicaId : $"{Environment.MachineName}-{Environment.ProcessId}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2))}";
}
