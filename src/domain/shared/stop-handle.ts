/** Stops a running loop, consumer, subscription or timer; resolves once its in-flight work has finished. */
export interface StopHandle {
  stop(): Promise<void>;
}
