namespace Ferry.Abstractions.DataSources;

/// <summary>One registered connection (key: data source id).</summary>
[Alias("IDataSourceGrain")]
public interface IDataSourceGrain : IGrainWithStringKey
{
    [Alias("Save")] Task SaveAsync(DataSourceRecord record);
    [Alias("Get")] Task<DataSourceRecord?> GetAsync();
    [Alias("Delete")] Task DeleteAsync();
    [Alias("SetUsedBy")] Task SetUsedByAsync(string projectId, bool used);
}
