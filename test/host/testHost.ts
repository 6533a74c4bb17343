// The whole test host: a real sshd on loopback plus fixture Go services built with old and new Go.
import { buildFixtures, binaryOf, startService, type FixtureBuild, type RunningService, type ToolchainId } from './goServices';
import { startSshd, type TestSshd } from './sshd';

/** One running fixture service and the toolchain that built it. */
export interface HostService {
  toolchain: ToolchainId;
  /** e.g. "go1.26" or "go1.19". */
  tag: string;
  build: FixtureBuild;
  service: RunningService;
}

export interface TestHost {
  sshd: TestSshd;
  services: HostService[];
  /** Stops the services and sshd; leaves no process behind. Safe to call twice. */
  stop(): Promise<void>;
}

export interface TestHostOptions {
  toolchains?: ToolchainId[];
  /** Extra arguments for every hotsvc instance. */
  serviceArgs?: string[];
}

/** Starts sshd and one hotsvc per toolchain (both Go versions by default). */
export async function startTestHost(opts: TestHostOptions = {}): Promise<TestHost> {
  const toolchains = opts.toolchains ?? ['current', 'go1.19'];
  const [sshd, builds] = await Promise.all([startSshd(), buildFixtures({ goVersions: toolchains, names: ['hotsvc'] })]);
  const services: HostService[] = [];
  const stop = async () => {
    await Promise.all(services.map((s) => s.service.stop()));
    await sshd.stop();
  };
  try {
    for (const build of builds) {
      const service = await startService(binaryOf(build, 'hotsvc'), opts.serviceArgs ?? []);
      services.push({ toolchain: build.toolchain.id, tag: build.toolchain.tag, build, service });
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { sshd, services, stop };
}
