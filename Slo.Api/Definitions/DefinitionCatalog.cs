using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Slo.Engine.Definitions;

namespace Slo.Api.Definitions;

/// <summary>The <c>Definitions</c> configuration section.</summary>
public sealed class DefinitionsOptions
{
    public const string Section = "Definitions";

    /// <summary>The folder read when nothing says otherwise (also the default of <c>slo validate</c> and <c>slo rules</c>).</summary>
    public const string DefaultPath = "slo-definitions";

    /// <summary>The folder whose <c>*.yaml</c>/<c>*.yml</c> files hold the objectives.</summary>
    [Required(ErrorMessage = "Definitions:Path is required.")]
    public string Path { get; set; } = DefaultPath;
}

/// <summary>Thrown at start-up when the definitions do not validate; the message lists every error.</summary>
public sealed class InvalidDefinitionsException(string message) : Exception(message);

/// <summary>The definitions the service runs with. Loaded once at start-up; an invalid set stops the service.</summary>
public sealed class DefinitionCatalog
{
    public DefinitionCatalog(IOptions<DefinitionsOptions> options, ILogger<DefinitionCatalog> logger)
        : this(Load(options.Value.Path, logger))
    {
    }

    public DefinitionCatalog(DefinitionSet set) => Current = set;

    public DefinitionSet Current { get; }

    private static DefinitionSet Load(string path, ILogger logger)
    {
        var set = DefinitionLoader.LoadDirectory(path);
        foreach (var warning in set.Warnings)
            logger.LogWarning("{Diagnostic}", warning.ToString());
        if (!set.IsValid)
        {
            throw new InvalidDefinitionsException(
                $"The definitions in '{path}' do not validate (run 'slo validate {path}'):\n" + string.Join("\n", set.Errors));
        }

        logger.LogInformation("Loaded {Objectives} objectives of {Services} services from {Path}", set.Objectives.Count, set.Services.Count, path);
        return set;
    }
}
