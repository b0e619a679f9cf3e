import type { Reporter, TestCase, TestModule } from 'vitest/node';

/**
 * When a test process dies (a native crash, the OOM killer), vitest reports only "Worker exited
 * unexpectedly" and silently drops that process's file from the counts. This reporter names the
 * files that started but never ended, with the test each was running, so such a run says where
 * it died.
 */
export default class UnfinishedFilesReporter implements Reporter {
  readonly #running = new Map<string, string | undefined>();

  onTestModuleStart(testModule: TestModule): void {
    this.#running.set(testModule.moduleId, undefined);
  }

  onTestCaseReady(testCase: TestCase): void {
    // Events can arrive batched: a test's "ready" after its file's end must not revive the file.
    if (this.#running.has(testCase.module.moduleId)) this.#running.set(testCase.module.moduleId, testCase.fullName);
  }

  onTestModuleEnd(testModule: TestModule): void {
    this.#running.delete(testModule.moduleId);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    for (const testModule of testModules) if (testModule.state() === 'passed') this.#running.delete(testModule.moduleId);
    if (this.#running.size === 0) return;
    const lines = [...this.#running].map(([file, test]) => `  ${file}${test ? `, in "${test}"` : ', before its first test'}`);
    process.stderr.write(`\nTest files that started but never finished (their test process died):\n${lines.join('\n')}\n`);
  }
}
