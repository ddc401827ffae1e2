using System.Globalization;
using Slo.Benchmarks;

// usage: Slo.Benchmarks evaluation [OBJECTIVES] [CYCLES]
var mode = args.Length > 0 ? args[0] : "evaluation";
switch (mode)
{
    case "evaluation":
        var objectives = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
        var cycles = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        return await EvaluationBenchmark.RunAsync(objectives, cycles);
    default:
        Console.Error.WriteLine($"unknown benchmark '{mode}'; known: evaluation");
        return 2;
}
