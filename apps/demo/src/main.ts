// Placeholder: the lead replaces this with the real demo.
console.log(`cohort demo placeholder (args: ${JSON.stringify(process.argv.slice(2))})`);
