import { defineEngineContract } from "./engine-contract.js";

defineEngineContract({ engine: async () => ({ kind: "postgres" }), lostDatabase: true });
