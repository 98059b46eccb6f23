import type { BuildOptions } from 'esbuild';
import type * as esbuild from 'esbuild';

export declare const root: string;
export declare const CLI_BUNDLE: string;
export declare const CLI_SERVER_BUNDLE: string;
export declare const cliServerBuildOptions: BuildOptions;
export declare const cliLoaderBuildOptions: BuildOptions;
export declare function buildCli(builder: typeof esbuild): Promise<string[]>;
export declare const libraryBuildOptions: BuildOptions;
export declare const CLI_INPUTS: readonly string[];
export declare function newestInput(dir?: string): number;
export declare function cliBundleStale(dir?: string): boolean;
export declare function buildInPlace(builder: typeof esbuild, options: BuildOptions): Promise<string[]>;
export declare function removeOthers(dir: string, written: string[]): void;
