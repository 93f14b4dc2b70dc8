import { create } from 'zustand';
import type { BranchRef, InstallerRow, ReasonCode, SkillRule, WasteCode } from '../../domain/client-api.js';
import { tryCall } from '../platform/api.js';

interface LookupsState {
  installers: InstallerRow[];
  reasonCodes: ReasonCode[];
  wasteCodes: WasteCode[];
  skillRules: SkillRule[];
  branches: BranchRef[];
  loaded: boolean;
  load(): Promise<void>;
}

export const useLookups = create<LookupsState>((set, get) => ({
  installers: [],
  reasonCodes: [],
  wasteCodes: [],
  skillRules: [],
  branches: [],
  loaded: false,
  async load() {
    const [i, r, w, s, b] = await Promise.all([
      tryCall('lookups:installers', {}),
      tryCall('lookups:reasonCodes', {}),
      tryCall('lookups:wasteCodes', {}),
      tryCall('lookups:skillRules', {}),
      tryCall('lookups:branches', {}),
    ]);
    set({
      installers: i.ok ? i.value : get().installers,
      reasonCodes: r.ok ? r.value : get().reasonCodes,
      wasteCodes: w.ok ? w.value : get().wasteCodes,
      skillRules: s.ok ? s.value : get().skillRules,
      branches: b.ok ? b.value : get().branches,
      loaded: true,
    });
  },
}));
