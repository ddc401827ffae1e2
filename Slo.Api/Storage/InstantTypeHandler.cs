using System.Data;
using Dapper;

namespace Slo.Api.Storage;

/// <summary>Stores a NodaTime <see cref="Instant"/> as whole milliseconds since the Unix epoch (INTEGER / BIGINT).</summary>
internal sealed class InstantTypeHandler : SqlMapper.TypeHandler<Instant>
{
    private static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
            SqlMapper.AddTypeHandler(new InstantTypeHandler());
    }

    public override void SetValue(IDbDataParameter parameter, Instant value)
    {
        parameter.DbType = DbType.Int64;
        parameter.Value = value.ToUnixTimeMilliseconds();
    }

    public override Instant Parse(object value) => Instant.FromUnixTimeMilliseconds(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
}
