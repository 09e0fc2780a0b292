using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;

namespace Ferry.MySql.Binlog;

/// <summary>Placeholder so the connector compiles; the binlog branch replaces this file.</summary>
public sealed class MySqlChangeSource(ConnectionInfo connection, uint serverId) : IChangeSource
{
    public ConnectionInfo Connection { get; } = connection;
    public uint ServerId { get; } = serverId;

    public Task<LogPosition> GetCurrentPositionAsync(CancellationToken ct) => throw new NotImplementedException();

    public IAsyncEnumerable<ChangeEvent> ReadAsync(LogPosition from, Func<TableName, bool> inScope, CancellationToken ct) =>
        throw new NotImplementedException();
}
