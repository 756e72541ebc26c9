/** The raw hop's queue: one Redis list, as a per-pool queue would be. */
export const RAW_QUEUE = 'bench:raw-hop:queue';

/** What the listener queues: which request, and the channel its reply must go to. */
export interface RawRequest {
  id: number;
  replyTo: string;
}

/** What the worker publishes back: the request's id and the response body. */
export interface RawReply {
  id: number;
  body: string;
}
