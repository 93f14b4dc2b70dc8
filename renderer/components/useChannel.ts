import { useCallback, useEffect, useState } from 'react';
import type { ApiError, ArgsOf, Channel, ResultOf } from '../../domain/client-api.js';
import { tryCall } from '../platform/api.js';

/** Loads one channel's answer for a screen and keeps the error for its "unavailable" state. */
export function useChannel<C extends Channel>(channel: C, args: ArgsOf<C>) {
  const [data, setData] = useState<ResultOf<C> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const key = JSON.stringify(args);
  const reload = useCallback(async () => {
    setLoading(true);
    const r = await tryCall(channel, JSON.parse(key) as ArgsOf<C>);
    setLoading(false);
    if (r.ok) {
      setData(r.value);
      setError(null);
    } else setError(r.error);
  }, [channel, key]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload };
}
