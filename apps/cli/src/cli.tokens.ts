/** The validated environment (`Config` of @livefeed/common). */
export const CONFIG = Symbol('CONFIG');
