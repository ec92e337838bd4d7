// CPU time spent by this process (client and in-process host) and by the run's PostgreSQL cluster
// (its postmaster and every backend), read from /proc. On a shared machine latency depends on what
// else runs; the CPU a request costs does much less, so it is the figure to compare changes by.
using System.Diagnostics;
using Registry.Testing;

namespace Registry.Benchmarks.Harness;

public readonly record struct CpuSample(TimeSpan Process, TimeSpan Database)
{
    public TimeSpan Total => Process + Database;

    public static CpuSample operator -(CpuSample after, CpuSample before) =>
        new(after.Process - before.Process, after.Database - before.Database);
}

public static class CpuMeter
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static async Task<CpuSample> SampleAsync()
    {
        using var self = Process.GetCurrentProcess();
        var cluster = await TestCluster.GetAsync();
        return new CpuSample(self.TotalProcessorTime, cluster.ProcessId is { } postmaster ? ClusterTime(postmaster) : TimeSpan.Zero);
    }

    /// <summary>utime + stime of the postmaster and its children (backends that already exited are not counted).</summary>
    private static TimeSpan ClusterTime(int postmaster)
    {
        long ticks = 0;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(folder);
            if (!int.TryParse(name, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(folder, "stat"));
            }
            catch (IOException)
            {
                continue; // the process ended meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // pid (comm) state ppid ... utime(14) stime(15); comm may hold spaces, so split after ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var parent = int.Parse(fields[1]);
            if (pid == postmaster || parent == postmaster)
            {
                ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
            }
        }

        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }
}
