using Ferry.Abstractions.Projects;

namespace Ferry.Host.Startup;

/// <summary>
/// Wakes every active project when the node starts, so work interrupted by a crash resumes in
/// seconds instead of at the next reminder tick (which stays as the safety net).
/// </summary>
public sealed class ProjectWaker(IGrainFactory grains, ILogger<ProjectWaker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var ids = await grains.GetGrain<IProjectRegistryGrain>("active").ListAsync();
            foreach (var id in ids)
            {
                try { await grains.GetGrain<IProjectGrain>(id).WakeAsync(); }
                catch (Exception e) { logger.LogWarning(e, "could not wake project {Id}", id); }
            }
            if (ids.Count > 0) logger.LogInformation("woke {Count} active project(s)", ids.Count);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "could not list active projects");
        }
    }
}
