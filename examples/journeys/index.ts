// The bundled example journeys, loaded by `hogsend dev`. Filled in by the journey runtime.
export const journeys = [];
export default journeys;
