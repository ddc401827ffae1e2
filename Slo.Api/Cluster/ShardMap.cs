using System.Runtime.CompilerServices;
using Slo.Engine.Definitions;

namespace Slo.Api.Cluster;

/// <summary>
/// Which shard each objective belongs to: a stable hash of its id, so every replica computes the same map without
/// talking. A composite is measured from its components' ledgers, so a composite and all its components share the shard
/// of the group's first id.
/// </summary>
public static class ShardMap
{
    private static readonly ConditionalWeakTable<DefinitionSet, Dictionary<string, string>> Groups = new();

    /// <summary>The shard of <paramref name="objective"/> among <paramref name="shards"/>.</summary>
    public static int ShardOf(DefinitionSet set, ObjectiveId objective, int shards) => ShardOf(set, objective.ToString(), shards);

    /// <summary>The shard of an id as stored (<c>service/name</c>), also of an objective no longer defined.</summary>
    public static int ShardOf(DefinitionSet set, string objective, int shards) =>
        (int)(Fnv1A(Groups.GetValue(set, BuildGroups).GetValueOrDefault(objective, objective)) % (ulong)shards);

    /// <summary>Objectives tied by composites, each mapped to the smallest id of its group (a union-find over the set).</summary>
    private static Dictionary<string, string> BuildGroups(DefinitionSet set)
    {
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        string Find(string x)
        {
            while (parent.TryGetValue(x, out var p) && p != x)
                x = p;
            return x;
        }

        void Union(string a, string b)
        {
            var (ra, rb) = (Find(a), Find(b));
            if (ra == rb)
                return;
            if (string.CompareOrdinal(ra, rb) < 0)
                parent[rb] = ra;
            else
                parent[ra] = rb;
        }

        foreach (var objective in set.Objectives.Where(o => o.Indicator is CompositeIndicator))
        {
            var id = objective.Id.ToString();
            parent.TryAdd(id, id);
            foreach (var component in ((CompositeIndicator)objective.Indicator).Components)
            {
                parent.TryAdd(component.Objective.ToString(), component.Objective.ToString());
                Union(id, component.Objective.ToString());
            }
        }

        return parent.Keys.ToDictionary(id => id, Find, StringComparer.Ordinal);
    }

    /// <summary>64-bit FNV-1a of the UTF-16 code units: stable across processes and versions, unlike string.GetHashCode.</summary>
    private static ulong Fnv1A(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash ^= c;
            hash = unchecked(hash * 1099511628211UL);
        }

        return hash;
    }
}
