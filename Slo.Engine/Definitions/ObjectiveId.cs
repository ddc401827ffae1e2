using System.Text.RegularExpressions;

namespace Slo.Engine.Definitions;

/// <summary>An objective's identity: <c>service/name</c>. Both parts are safe in URLs, metric labels and file names.</summary>
public readonly partial record struct ObjectiveId
{
    public ObjectiveId(string service, string name)
    {
        if (!IsValidPart(service))
            throw new ArgumentException($"'{service}' is not a valid service name.", nameof(service));
        if (!IsValidPart(name))
            throw new ArgumentException($"'{name}' is not a valid objective name.", nameof(name));
        Service = service;
        Name = name;
    }

    public string Service { get; }
    public string Name { get; }

    /// <summary>Letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters.</summary>
    public static bool IsValidPart(string? part) => part is { Length: > 0 and <= 128 } && PartPattern().IsMatch(part);

    /// <summary>Reads <c>service/name</c>; false when either part is not valid.</summary>
    public static bool TryParse(string? text, out ObjectiveId id)
    {
        id = default;
        if (text?.Split('/') is not [var service, var name] || !IsValidPart(service) || !IsValidPart(name))
            return false;
        id = new ObjectiveId(service, name);
        return true;
    }

    public override string ToString() => $"{Service}/{Name}";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex PartPattern();
}
