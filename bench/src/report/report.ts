import { type BenchConfig } from '../config';
import { type MachineInfo } from '../machine';
import { type FanoutResult } from '../scenarios/fanout';
import { type IdleResult } from '../scenarios/idle';
import { type RestResult } from '../scenarios/rest';
import { type TargetCheck } from './targets';

export interface BenchReport {
  generatedAt: string;
  mode: BenchConfig['mode'];
  durationS: number;
  command: string;
  machine: MachineInfo;
  parameters: {
    scenarios: string[];
    servers: string[];
    runs: number;
    payloadBytes: number;
    fanout: BenchConfig['fanout'];
    idle: BenchConfig['idle'];
    rest: BenchConfig['rest'];
    cpuProf: boolean;
    redisSource: string;
  };
  targets: TargetCheck[];
  fanout?: FanoutResult;
  idle?: IdleResult;
  rest?: RestResult;
  notes: string[];
}
