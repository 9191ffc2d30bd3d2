export declare const root: string;
export declare const distDir: string;
export declare const entries: string[];
export declare function isStale(): boolean;
export declare function build(opts?: { quiet?: boolean }): Promise<void>;
