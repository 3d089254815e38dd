import { useEffect, useState } from 'preact/hooks';

/** State that components read directly and re-render on: `changed()` tells every subscriber. */
export class Store {
  private readonly listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  protected changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/** Re-renders the component whenever `store` changes. */
export function useStore(store: Store | undefined): void {
  const [, setVersion] = useState(0);
  useEffect(() => store?.subscribe(() => setVersion((version) => version + 1)), [store]);
}
