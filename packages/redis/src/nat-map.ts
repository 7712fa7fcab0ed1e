import type { ClusterOptions } from 'ioredis';

/**
 * Where to connect to reach the cluster node that announces itself at `address` ("host:port"),
 * by the Cluster client's own `natMap`. Nodes behind NAT (containers, cloud gateways) announce
 * addresses the client cannot reach; `CLUSTER SLOTS` and `MOVED` replies name those.
 */
export function reachableAddress(address: string, natMap: ClusterOptions['natMap']): string {
  const mapped = typeof natMap === 'function' ? natMap(address) : natMap?.[address];
  return mapped ? `${mapped.host}:${mapped.port}` : address;
}
