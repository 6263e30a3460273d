import { runFlightsExample } from './flights.example.js';

await runFlightsExample();
