using System.ComponentModel.DataAnnotations;

namespace Slo.Api.Storage;

/// <summary>The <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>sqlite</c> (embedded, a file) or <c>sqlserver</c>.</summary>
    [Required]
    [RegularExpression("^(sqlite|sqlserver)$", ErrorMessage = "Storage:Provider must be 'sqlite' or 'sqlserver'.")]
    public string Provider { get; set; } = "sqlite";

    [Required(ErrorMessage = "Storage:ConnectionString is required.")]
    public string ConnectionString { get; set; } = "Data Source=slo.db";

    /// <summary>Evaluation history older than this many days is deleted.</summary>
    [Range(1, 3650, ErrorMessage = "Storage:RetentionDays must lie between 1 and 3650.")]
    public int RetentionDays { get; set; } = 400;

    /// <summary>Every evaluation is kept this many hours; older ones are thinned to the first of each hour.</summary>
    [Range(1, 87600, ErrorMessage = "Storage:FullResolutionHours must lie between 1 and 87600.")]
    public int FullResolutionHours { get; set; } = 48;
}
