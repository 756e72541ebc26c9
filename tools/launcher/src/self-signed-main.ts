import { Command } from 'commander';
import { ConfigError, loadConfigFile } from '@w3pool/config';
import { makeSelfSignedCertificates } from './self-signed-certificate.js';

// What `npm start` does before WAS starts, for a container: docker-compose.yml's WAS service runs it
// (through the image's entrypoint) so that the certificate exists, in the volume the listener shares,
// before WAS validates the configuration.
const options = new Command()
  .name('w3pool-self-signed')
  .description("Make a self-signed certificate for each https binding's missing certificate file.")
  .requiredOption('-c, --config <file>', 'configuration file')
  .parse()
  .opts<{ config: string }>();

try {
  const config = await loadConfigFile(options.config, undefined, { readCertificates: false });
  await makeSelfSignedCertificates(config, (line) => process.stdout.write(`[certificate] ${line}\n`));
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).message}\n`);
  process.exit(1);
}
